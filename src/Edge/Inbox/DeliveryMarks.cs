using System.Collections.Concurrent;
using Chat.Contracts.Chat.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Inbox;

/// <summary>
/// Remembers, per user, the highest id written to any of their connections, and writes the marks
/// of all users to ChatService together (AckDeliveredMany) a few times a second, rather than once
/// per message. A connection opened without <c>?after</c> starts after this mark. A mark that
/// could not be written is kept and retried; if the replica dies before writing it, the next
/// connection gets those messages again (at least once, never lost).
/// </summary>
public sealed partial class DeliveryMarks(ChatService.ChatServiceClient chat, IOptions<DeliveryMarkOptions> options, ILogger<DeliveryMarks> logger)
    : BackgroundService, IDeliveryMarks
{
    // Below ChatService's limit per AckDeliveredMany.
    private const int MarksPerCall = 500;

    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);

    public void Advance(string user, string id) =>
        _pending.AddOrUpdate(user, id, (_, old) => string.CompareOrdinal(id, old) > 0 ? id : old);

    /// <summary>Writes the user's mark soon (their connection is closing).</summary>
    public void Flush(string user)
    {
        if (_pending.ContainsKey(user))
        {
            _wake.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(options.Value.DeliveryMarkFlushInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await WritePendingAsync(CancellationToken.None);
        }
        await WritePendingAsync(CancellationToken.None); // graceful stop: the last marks
    }

    private async Task WritePendingAsync(CancellationToken cancellationToken)
    {
        var taken = new List<AckDeliveredRequest>();
        foreach (var user in _pending.Keys)
        {
            if (_pending.TryRemove(user, out var id))
            {
                taken.Add(new AckDeliveredRequest { User = user, UpTo = id });
            }
        }
        // Every user's mark in a few calls, not a call (and a database commit) per user.
        foreach (var chunk in taken.Chunk(MarksPerCall))
        {
            try
            {
                var request = new AckDeliveredManyRequest();
                request.Marks.AddRange(chunk);
                await chat.AckDeliveredManyAsync(request, cancellationToken: cancellationToken);
            }
            catch (RpcException e)
            {
                LogAckFailed(logger, chunk.Length, e.StatusCode);
                foreach (var mark in chunk)
                {
                    Advance(mark.User, mark.UpTo); // kept for the next round
                }
            }
        }
    }

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Writing {Count} delivery marks failed with {Status}; will retry")]
    private static partial void LogAckFailed(ILogger logger, int count, StatusCode status);
}
