using Chat.Edge.Connections;
using Chat.Edge.Redis;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Presence;

/// <summary>
/// Keeps this replica's users online in Redis: every <see cref="PresenceOptions.HeartbeatInterval"/>
/// it refreshes each local user's entry; on a graceful stop it says goodbye for all of them, so
/// they go offline at once rather than after the TTL.
/// </summary>
public sealed class PresenceHeartbeat(
    RedisPresence presence,
    RedisConnection redis,
    ConnectionRegistry registry,
    IOptions<PresenceOptions> options,
    RedisFailureLog failures) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!redis.IsConnected)
                {
                    continue;
                }
                try
                {
                    await presence.RefreshAsync(registry.Users);
                }
                catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
                {
                    failures.Report("presence heartbeat", e);
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
            await presence.LeaveAsync(registry.Users);
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("presence goodbye", e);
        }
    }
}
