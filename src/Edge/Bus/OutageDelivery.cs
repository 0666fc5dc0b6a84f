using Chat.Edge.Redis;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Bus;

/// <summary>
/// Delivery while Redis is away. Messages stored through another replica are published to a bus
/// that is gone, so none arrives here live, yet each is stored and acknowledged: every
/// <see cref="RedisOptions.OutagePollInterval"/>, each local connection reads the store after what
/// it last wrote. Its user thus gets every message within about that interval, without a
/// reconnect and in order (the read is the connection's own catch-up: ids above the last written,
/// oldest first). It costs ChatService one SyncMessages per connection per interval, ramped in
/// batches; a round that takes longer than the interval delays the next rather than overlapping
/// it, and a connection whose read is still queued is not asked again. Nothing runs while Redis
/// is up; when it returns, <see cref="RedisBusRecovery"/> takes over.
/// </summary>
public sealed partial class OutageDelivery(
    RedisConnection redis,
    ILocalDelivery local,
    IOptions<RedisOptions> options,
    ILogger<OutageDelivery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.OutagePollInterval);
        var polling = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (redis.IsConnected)
                {
                    polling = false;
                    continue;
                }
                var asked = await local.RequestCatchUpAsync(settings.CatchUpBatchSize, settings.CatchUpBatchPause, stoppingToken);
                if (!polling)
                {
                    polling = true; // one line per outage, not one per round
                    LogPolling(logger, asked, settings.OutagePollInterval.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 206, Level = LogLevel.Information,
        Message = "Redis is away: {Connections} local connections read the store every {IntervalMs} ms until it returns")]
    private static partial void LogPolling(ILogger logger, int connections, double intervalMs);
}
