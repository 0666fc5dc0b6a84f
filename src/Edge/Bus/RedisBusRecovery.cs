using Chat.Edge.Redis;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Bus;

/// <summary>
/// What the Redis bus does when Redis returns after an outage: events published meanwhile are gone
/// from pub/sub (but stored), so it re-subscribes what it could not subscribe, tells the users it
/// could not publish to that they missed something, and has every local connection read the store
/// after what it last wrote. Remote recipients thus get the outage's messages within moments of
/// Redis returning, without reconnecting. On a Redis Cluster the same happens when slots move (a
/// failover, a reshard): the library resubscribes the sharded channels on their new node, but what
/// was published to the old one meanwhile is gone. Presence recovers on its own
/// (<c>Presence.PresenceHeartbeat</c>).
/// </summary>
public sealed partial class RedisBusRecovery(
    RedisConnection redis,
    RedisMessageBus bus,
    ILocalDelivery local,
    RedisFailureLog failures,
    IOptions<RedisOptions> options,
    ILogger<RedisBusRecovery> logger) : BackgroundService
{
    // How often subscriptions that failed are tried again while Redis seems up.
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var returns = new RedisReturns(redis);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var back = await returns.WaitAsync(RetryInterval, stoppingToken);
                if (back is null)
                {
                    if (bus.HasFailedSubscriptions && redis.IsConnected)
                    {
                        // A subscription failed without an outage to recover from (e.g. made while the
                        // subscription link was still connecting at start).
                        await bus.RetryFailedSubscriptionsAsync(stoppingToken);
                    }
                    continue;
                }
                if (!redis.IsConnected)
                {
                    continue; // gone again: its return is another moment
                }
                var asked = await RecoverAsync(stoppingToken);
                if (back.MovedReason is { } reason)
                {
                    LogTopologyRecovered(logger, reason, asked);
                }
                else
                {
                    LogRecovered(logger, asked);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<int> RecoverAsync(CancellationToken stoppingToken)
    {
        try
        {
            await bus.RecoverAsync(stoppingToken);
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("recovery", e); // Redis went away again: its return starts another recovery
        }
        return await local.RequestCatchUpAsync(options.Value.CatchUpBatchSize, options.Value.CatchUpBatchPause, stoppingToken);
    }

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Redis is back: {Connections} local connections asked to catch up from the store")]
    private static partial void LogRecovered(ILogger logger, int connections);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information,
        Message = "Redis Cluster topology changed ({Reason}): {Connections} local connections asked to catch up from the store")]
    private static partial void LogTopologyRecovered(ILogger logger, string reason, int connections);
}
