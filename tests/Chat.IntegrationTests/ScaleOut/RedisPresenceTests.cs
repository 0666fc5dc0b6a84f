using Chat.Edge.Presence;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// The presence contract between replicas joined by a real Redis, and what Redis adds: a replica
/// that vanishes without a goodbye, and Redis itself going away.
/// </summary>
public sealed class RedisPresenceTests : PresenceContract
{
    protected override async Task<PresenceReplica> StartReplicaAsync() =>
        RedisPresenceReplica.Start((await RedisServer.SharedAsync()).ConnectionString).AsPresenceReplica();

    [Fact]
    public async Task Users_of_a_replica_that_stops_heartbeating_go_offline_after_the_ttl_last_seen_at_its_heartbeat()
    {
        var redis = await RedisServer.SharedAsync();
        using var crashed = RedisPresenceReplica.Start(redis.ConnectionString, TimeSpan.FromSeconds(1));
        using var observer = RedisPresenceReplica.Start(redis.ConnectionString, TimeSpan.FromSeconds(1));
        var carol = NewUser();
        await crashed.Presence.ConnectedAsync(carol);
        var heartbeat = DateTime.UtcNow;
        Assert.True((await observer.Presence.GetAsync([carol]))[0].Online);

        // The TTL runs on Redis's clock: nothing but real time ends it.
        var now = await Eventually.ValueAsync(async () =>
        {
            var seen = (await observer.Presence.GetAsync([carol]))[0];
            return (!seen.Online, seen);
        }, "carol offline once her replica's heartbeat expired", TimeSpan.FromSeconds(15));

        Assert.False(now.Online);
        Assert.NotNull(now.LastSeen);
        Assert.InRange(now.LastSeen.Value, heartbeat.AddSeconds(-2), heartbeat.AddSeconds(1));
    }

    [Fact]
    public async Task While_Redis_is_down_reads_fail_clearly_and_reports_do_not_throw()
    {
        await using var redis = await RedisServer.StartNewAsync();
        using var a = RedisPresenceReplica.Start(redis.ConnectionString);
        await redis.StopAsync();
        await Eventually.TrueAsync(() => !a.Connection.IsConnected, "the Redis connection down");

        await a.Presence.ConnectedAsync("alice");
        await a.Presence.DisconnectedAsync("alice");
        await Assert.ThrowsAsync<PresenceUnavailableException>(() => a.Presence.GetAsync(["alice"]));
    }
}
