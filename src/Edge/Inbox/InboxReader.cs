using Chat.Contracts.Chat.V1;
using Chat.Edge.Protocol;
using Chat.Edge.Services;
using Grpc.Core;

namespace Chat.Edge.Inbox;

/// <summary>Reads a user's stored incoming messages from ChatService, for catch-up and gap filling.</summary>
public sealed partial class InboxReader(ChatService.ChatServiceClient chat, ILogger<InboxReader> logger) : IInbox
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// One page of messages to <paramref name="user"/> after <paramref name="after"/> (null: after
    /// the user's delivery mark, which the page's <see cref="InboxPage.After"/> then tells; "": from
    /// the first message). While ChatService is unavailable this waits and asks again, until
    /// <paramref name="stop"/>: a connection that cannot catch up must not skip ahead. Not a retry
    /// policy (each call is already retried within its deadline by the channel's, IdempotentRetries)
    /// but the connection's patience, which has no bound but the connection's end.
    /// </summary>
    public async Task<InboxPage> SyncAsync(string user, string? after, int limit, CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                var response = await chat.SyncMessagesAsync(
                    new SyncMessagesRequest { User = user, After = WireCursor(after), Limit = limit },
                    cancellationToken: stop);
                var messages = response.Messages.Select(m => new InboxMessage(m.Id, Render(m))).ToList();
                return new InboxPage(response.After, messages, response.HasMore);
            }
            catch (RpcException e) when (GrpcFailures.IsTransient(e) && !stop.IsCancellationRequested)
            {
                LogRetrying(logger, user, e.StatusCode, backoff.TotalMilliseconds);
                await Task.Delay(backoff, stop);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>
    /// On the wire an empty cursor means "after the delivery mark"; the start of the inbox
    /// (here "", the mark of a user who has received nothing) is spelled "0".
    /// </summary>
    private static string WireCursor(string? after) => after switch
    {
        null => "",
        "" => "0",
        _ => after,
    };

    /// <summary>The <c>message</c> frame of a stored message.</summary>
    public static byte[] Render(Message message) => ServerFrames.Message(
        message.Id,
        message.Sender,
        NullIfEmpty(message.Recipient),
        NullIfEmpty(message.GroupId),
        message.Text,
        message.SentAt.ToDateTime());

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Sync for {User} failed with {Status}; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string user, StatusCode status, double delayMs);
}

public sealed record InboxPage(string After, IReadOnlyList<InboxMessage> Messages, bool HasMore);

public sealed record InboxMessage(string Id, byte[] Frame);
