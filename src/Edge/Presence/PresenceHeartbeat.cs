using Chat.Edge.Redis;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Presence;

/// <summary>
/// Keeps this replica's users online in Redis: every <see cref="PresenceOptions.HeartbeatInterval"/>,
/// and at once when Redis returns after an outage or a cluster's slots move (entries may have
/// expired or been lost meanwhile), it refreshes each local user's entry; on a graceful stop it says
/// goodbye for all of them, so they go offline at once rather than after the TTL.
/// </summary>
public sealed class PresenceHeartbeat(
    RedisPresence presence,
    RedisConnection redis,
    ILocalUsers local,
    IOptions<PresenceOptions> options,
    RedisFailureLog failures) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var returns = new RedisReturns(redis);
        var interval = options.Value.HeartbeatInterval;
        var nextBeat = DateTime.UtcNow + interval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = nextBeat - DateTime.UtcNow;
                var back = wait > TimeSpan.Zero ? await returns.WaitAsync(wait, stoppingToken) : null;
                if (back is null)
                {
                    nextBeat += interval; // a heartbeat: on its schedule, however long the last one took
                    if (nextBeat < DateTime.UtcNow)
                    {
                        nextBeat = DateTime.UtcNow + interval;
                    }
                }
                if (!redis.IsConnected)
                {
                    continue;
                }
                try
                {
                    await presence.RefreshAsync(local.Users);
                }
                catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
                {
                    failures.Report(back is null ? "presence heartbeat" : "presence recovery", e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!redis.IsConnected)
        {
            return;
        }
        try
        {
            await presence.LeaveAsync(local.Users);
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("presence goodbye", e);
        }
    }
}
