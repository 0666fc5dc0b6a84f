using Chat.Edge.Connections;
using Chat.Edge.Presence;
using Chat.Edge.Redis;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>Presence across replicas through a real Redis, each replica built in the test process.</summary>
public sealed class RedisPresenceTests
{
    private static (RedisPresence Presence, RedisConnection Connection) Replica(string connectionString, TimeSpan ttl)
    {
        var redisOptions = Options.Create(new RedisOptions { ConnectionString = connectionString, MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
        var node = new NodeIdentity($"presence-{Guid.NewGuid():N}");
        var connection = new RedisConnection(redisOptions, node, NullLogger<RedisConnection>.Instance);
        var presence = new RedisPresence(
            connection,
            node,
            new ConnectionRegistry(),
            Options.Create(new PresenceOptions { Ttl = ttl, HeartbeatInterval = ttl / 3 }),
            new RedisFailureLog(redisOptions, NullLogger<RedisFailureLog>.Instance));
        return (presence, connection);
    }

    private static string NewUser() => $"p{Guid.NewGuid():N}"[..20];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_user_connected_on_one_replica_is_online_for_another_until_their_last_connection_closes(bool cluster)
    {
        var redis = await SharedRedis.ConnectionStringAsync(cluster);
        var (a, connectionA) = Replica(redis, TimeSpan.FromSeconds(30));
        var (b, connectionB) = Replica(redis, TimeSpan.FromSeconds(30));
        using (connectionA)
        using (connectionB)
        {
            var bob = NewUser();
            var before = DateTime.UtcNow.AddSeconds(-1);
            await a.ConnectedAsync(bob);
            await b.ConnectedAsync(bob);
            Assert.True((await a.GetAsync([bob]))[0].Online);

            await a.DisconnectedAsync(bob);
            Assert.True((await a.GetAsync([bob]))[0].Online); // still connected on B

            await b.DisconnectedAsync(bob);
            var after = (await a.GetAsync([bob]))[0];
            Assert.False(after.Online);
            Assert.NotNull(after.LastSeen);
            Assert.InRange(after.LastSeen.Value, before, DateTime.UtcNow.AddSeconds(1));
        }
    }

    [Fact]
    public async Task Users_of_a_replica_that_stops_heartbeating_go_offline_after_the_ttl_last_seen_at_its_heartbeat()
    {
        var redis = await RedisServer.SharedAsync();
        var (crashed, connectionA) = Replica(redis.ConnectionString, TimeSpan.FromSeconds(1));
        var (observer, connectionB) = Replica(redis.ConnectionString, TimeSpan.FromSeconds(1));
        using (connectionA)
        using (connectionB)
        {
            var carol = NewUser();
            await crashed.ConnectedAsync(carol);
            var heartbeat = DateTime.UtcNow;
            Assert.True((await observer.GetAsync([carol]))[0].Online);

            // The TTL runs on Redis's clock: nothing but real time ends it.
            var now = await Eventually.ValueAsync(async () =>
            {
                var seen = (await observer.GetAsync([carol]))[0];
                return (!seen.Online, seen);
            }, "carol offline once her replica's heartbeat expired", TimeSpan.FromSeconds(15));

            Assert.False(now.Online);
            Assert.NotNull(now.LastSeen);
            Assert.InRange(now.LastSeen.Value, heartbeat.AddSeconds(-2), heartbeat.AddSeconds(1));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unknown_users_are_offline_and_never_seen_in_the_order_asked(bool cluster)
    {
        var (a, connection) = Replica(await SharedRedis.ConnectionStringAsync(cluster), TimeSpan.FromSeconds(30));
        using (connection)
        {
            var online = NewUser();
            var gone = NewUser();
            await a.ConnectedAsync(online);
            await a.ConnectedAsync(gone);
            await a.DisconnectedAsync(gone);
            // A hundred names: on a cluster their keys span every shard, so one cross-slot read would fail.
            string[] unknown = [.. Enumerable.Range(0, 98).Select(_ => NewUser())];

            var answer = await a.GetAsync([.. unknown, online, gone]);

            Assert.Equal([.. unknown, online, gone], answer.Select(p => p.Username));
            Assert.All(answer.Take(98), p => Assert.Equal(new UserPresence(p.Username, false, null), p));
            Assert.True(answer[98].Online);
            Assert.False(answer[99].Online);
            Assert.NotNull(answer[99].LastSeen);
        }
    }

    [Fact]
    public async Task While_Redis_is_down_reads_fail_clearly_and_reports_do_not_throw()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var (a, connection) = Replica(redis.ConnectionString, TimeSpan.FromSeconds(30));
        using (connection)
        {
            await redis.StopAsync();
            await Eventually.TrueAsync(() => !connection.IsConnected, "the Redis connection down");

            await a.ConnectedAsync("alice");
            await a.DisconnectedAsync("alice");
            await Assert.ThrowsAsync<PresenceUnavailableException>(() => a.GetAsync(["alice"]));
        }
    }
}
