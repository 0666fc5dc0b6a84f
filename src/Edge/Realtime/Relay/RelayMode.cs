using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Chat.Edge.Authentication;
using Chat.Edge.Realtime.Bus;
using Chat.Edge.Realtime.Delivery;
using Chat.Edge.Realtime.Frames;
using Chat.Edge.Realtime.Sending;

namespace Chat.Edge.Realtime.Relay;

// The relay-only benchmark mode (Realtime:RelayOnly): the same Kestrel WebSocket path — reader,
// parser, rate limit, registry, bus, pump, frames — with authentication, storage and catch-up
// taken out, so its throughput is the ceiling of our stack (docs/benchmarks.md). Never for users:
// anyone can claim any name, and nothing is stored.

/// <summary>The user is whoever <c>?user=</c> says.</summary>
public sealed partial class RelayAuthenticator : IConnectionAuthenticator
{
    public ValueTask<TokenCheck> AuthenticateAsync(HttpContext http)
    {
        var user = http.Request.Query["user"].ToString().ToLowerInvariant();
        return ValueTask.FromResult(Name().IsMatch(user)
            ? new TokenCheck(new AuthenticatedUser(user, user, DateTime.MaxValue), Unavailable: false)
            : TokenCheck.Invalid);
    }

    [GeneratedRegex("^[a-z0-9_.-]{1,64}$")]
    private static partial Regex Name();
}

/// <summary>
/// Relays a 1:1 message at once: an id from a local counter (fixed width, so ordered), <c>sent</c>,
/// then delivery. Each recipient's messages are numbered and handed to the bus under that
/// recipient's lock, so their previous ids chain exactly as the store's would.
/// </summary>
public sealed class RelayMessagePath(IMessageBus bus) : IMessagePath
{
    private readonly ConcurrentDictionary<string, Recipient> _recipients = new(StringComparer.Ordinal);
    private long _lastId;

    public Task<Answer> SendAsync(string sender, SendFrame frame, Action<byte[]> reply, CancellationToken aborted)
    {
        if (frame.To is not { } to)
        {
            return Task.FromResult(Answer.Error(ErrorCodes.InvalidFrame, "the relay mode has no groups", frame.ClientId));
        }
        var now = DateTime.UtcNow;
        var recipient = _recipients.GetOrAdd(to, _ => new Recipient());
        BusEvent message;
        lock (recipient)
        {
            var id = Interlocked.Increment(ref _lastId).ToString("D20", CultureInfo.InvariantCulture);
            message = BusEvent.ForMessage(id, recipient.LastId, sender, to, group: null, frame.Text, now);
            recipient.LastId = id;
            reply(ServerFrames.Sent(id, frame.ClientId, to, group: null, now));
            bus.PublishAsync(to, message, aborted).GetAwaiter().GetResult(); // in-process: synchronous
        }
        return Task.FromResult(Answer.Silent);
    }

    private sealed class Recipient
    {
        public string LastId = "";
    }
}

/// <summary>Nothing is stored, so there is nothing to catch up on, and no receipts or typing.</summary>
public sealed class RelayInbox : IInbox, IDeliveryMarks, IConversationSignals
{
    public Task<Answer> ReadAsync(string reader, ReadFrame frame, CancellationToken aborted) => NotHere();

    public Task<Answer> TypingAsync(string typist, TypingFrame frame, CancellationToken aborted) => NotHere();

    private static Task<Answer> NotHere() =>
        Task.FromResult(Answer.Error(ErrorCodes.InvalidFrame, "the relay mode relays messages only", clientId: null));

    public Task<InboxPage> SyncAsync(string user, string? after, int limit, CancellationToken stop) =>
        Task.FromResult(new InboxPage(after ?? "", [], HasMore: false));

    public void Advance(string user, string id)
    {
    }

    public void Flush(string user)
    {
    }
}
