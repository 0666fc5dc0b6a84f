using System.Threading.Channels;
using Chat.Edge.Presence;
using Chat.Edge.Realtime.Bus;
using Chat.Edge.Realtime.Connections;
using Microsoft.Extensions.Options;

namespace Chat.Edge.ScaleOut;

/// <summary>
/// What a replica does when Redis returns after an outage: events published meanwhile are gone
/// from pub/sub (but stored), so it re-subscribes what it could not subscribe, tells the users it
/// could not publish to that they missed something, and has every local connection read the store
/// after what it last wrote, and refreshes the presence of its users. Remote recipients thus get the outage's messages within moments of
/// Redis returning, without reconnecting.
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.Restored += OnRestored;
        try
        {
            Task<bool>? restored = null; // one wait at a time, kept across retry ticks
            while (!stoppingToken.IsCancellationRequested)
            {
                restored ??= _restored.Reader.WaitToReadAsync(stoppingToken).AsTask();
                if (await Task.WhenAny(restored, Task.Delay(RetryInterval, stoppingToken)) == restored)
                {
                    await restored; // surfaces cancellation
                    restored = null;
                    await Task.Delay(Settle, stoppingToken);
                    _restored.Reader.TryRead(out _); // this signal, and any that came while settling
                    if (redis.IsConnected)
                    {
                        await RecoverAsync(stoppingToken);
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
        }
    }

    private void OnRestored() => _restored.Writer.TryWrite(true);

    private async Task RecoverAsync(CancellationToken stoppingToken)
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
        var asked = await registry.RequestCatchUpAsync(options.Value.CatchUpBatchSize, options.Value.CatchUpBatchPause, stoppingToken);
        LogRecovered(logger, asked);
    }

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Redis is back: {Connections} local connections asked to catch up from the store")]
    private static partial void LogRecovered(ILogger logger, int connections);
}
