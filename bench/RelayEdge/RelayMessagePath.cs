using System.Collections.Concurrent;
using System.Globalization;
using Chat.Edge.Bus;
using Chat.Edge.Messaging;
using Chat.Edge.Protocol;

namespace Chat.RelayEdge;

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
            message = BusEvent.ForMessage(id, recipient.LastId, ServerFrames.Message(id, sender, to, group: null, frame.Text, now));
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
