using System.Threading.Channels;
using Chat.Edge.Bus;
using Chat.Edge.Connections;
using Chat.Edge.Presence;
using Chat.Edge.Redis;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Bus;

/// <summary>
/// What a replica does when Redis returns after an outage: events published meanwhile are gone
/// from pub/sub (but stored), so it re-subscribes what it could not subscribe, tells the users it
/// could not publish to that they missed something, and has every local connection read the store
/// after what it last wrote, and refreshes the presence of its users. Remote recipients thus get the outage's messages within moments of
/// Redis returning, without reconnecting. On a Redis Cluster the same happens when slots move (a
/// failover, a reshard): the library resubscribes the sharded channels on their new node, but what
/// was published to the old one meanwhile is gone.
/// </summary>
public sealed partial class ReplicaRecovery(
    RedisConnection redis,
    RedisMessageBus bus,
    RedisPresence presence,
    ConnectionRegistry registry,
    RedisFailureLog failures,
    IOptions<RedisOptions> options,
    ILogger<ReplicaRecovery> logger) : BackgroundService
{
    // The commands link and the subscriptions link come back one after the other: one recovery for both.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    // How often subscriptions that failed are tried again while Redis seems up.
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<bool> _restored = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly Channel<string> _moved = Channel.CreateBounded<string>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.Restored += OnRestored;
        redis.TopologyChanged += OnTopologyChanged;
        try
        {
            // One wait per signal at a time, kept across retry ticks.
            Task<bool>? restored = null;
            Task<bool>? moved = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                restored ??= _restored.Reader.WaitToReadAsync(stoppingToken).AsTask();
                moved ??= _moved.Reader.WaitToReadAsync(stoppingToken).AsTask();
                var woken = await Task.WhenAny(restored, moved, Task.Delay(RetryInterval, stoppingToken));
                if (woken == restored || woken == moved)
                {
                    await woken; // surfaces cancellation
                    // Redis's links, or a cluster's nodes, come back one after the other: one recovery for all.
                    await Task.Delay(Settle, stoppingToken);
                    var wasRestored = _restored.Reader.TryRead(out _);
                    var wasMoved = _moved.Reader.TryRead(out var reason);
                    restored = wasRestored || restored.IsCompleted ? null : restored;
                    moved = wasMoved || moved.IsCompleted ? null : moved;
                    if (redis.IsConnected)
                    {
                        var asked = await RecoverAsync(stoppingToken);
                        if (wasMoved)
                        {
                            LogTopologyRecovered(logger, reason!, asked);
                        }
                        else
                        {
                            LogRecovered(logger, asked);
                        }
                    }
                }
                else if (bus.HasFailedSubscriptions && redis.IsConnected)
                {
                    // A subscription failed without an outage to recover from (e.g. made while the
                    // subscription link was still connecting at start).
                    await bus.RetryFailedSubscriptionsAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.Restored -= OnRestored;
            redis.TopologyChanged -= OnTopologyChanged;
        }
    }

    private void OnRestored() => _restored.Writer.TryWrite(true);

    // The first reason of a burst is kept (DropWrite); the rest are the same recovery.
    private void OnTopologyChanged(string reason) => _moved.Writer.TryWrite(reason);

    private async Task<int> RecoverAsync(CancellationToken stoppingToken)
    {
        try
        {
            await bus.RecoverAsync(stoppingToken);
            await presence.RefreshAsync(registry.Users); // entries may have expired during the outage
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("recovery", e); // Redis went away again: its return starts another recovery
        }
        return await registry.RequestCatchUpAsync(options.Value.CatchUpBatchSize, options.Value.CatchUpBatchPause, stoppingToken);
    }

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Redis is back: {Connections} local connections asked to catch up from the store")]
    private static partial void LogRecovered(ILogger logger, int connections);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information,
        Message = "Redis Cluster topology changed ({Reason}): {Connections} local connections asked to catch up from the store")]
    private static partial void LogTopologyRecovered(ILogger logger, string reason, int connections);
}
