using System.Security.Cryptography;
using Chat.Edge.Auth;
using Chat.Edge.Caching;
using Chat.Edge.Redis;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The two-level cache (memory, then Redis) the replicas share answers through.</summary>
public sealed class SharedCacheTests
{
    private sealed record Answer(string Text);

    // The key every replica of these tests shares, as every Edge replica of a deployment does.
    private static readonly byte[] SealKey = RandomNumberGenerator.GetBytes(CacheEntrySeal.MinKeyBytes);

    private static (TieredCache<Answer> Cache, RedisConnection Connection) Replica(
        string connectionString, byte[]? sealKey = null, TimeProvider? clock = null)
    {
        var options = Options.Create(new RedisOptions { ConnectionString = connectionString, MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
        var connection = new RedisConnection(options, new NodeIdentity("cache-test"), NullLogger<RedisConnection>.Instance);
        var shared = new RedisSharedCache(connection, new RedisFailureLog(options, NullLogger<RedisFailureLog>.Instance),
            new CacheEntrySeal(sealKey ?? SealKey), clock ?? TimeProvider.System, NullLogger<RedisSharedCache>.Instance);
        var memory = new MemoryCache(new MemoryCacheOptions());
        return (new TieredCache<Answer>(memory, shared, "test", a => a.Text, t => new Answer(t)), connection);
    }

    [Fact]
    public async Task An_entry_written_into_Redis_by_anyone_but_an_edge_is_a_miss()
    {
        var redis = await RedisServer.SharedAsync();
        var (a, connection) = Replica(redis.ConnectionString);
        var (otherKey, otherConnection) = Replica(redis.ConnectionString, RandomNumberGenerator.GetBytes(CacheEntrySeal.MinKeyBytes));
        using (connection)
        using (otherConnection)
        {
            var db = connection.Database;
            var far = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
            await db.StringSetAsync(RedisChannels.Cache("test", "plain"), "yes", TimeSpan.FromMinutes(1));
            await db.StringSetAsync(RedisChannels.Cache("test", "made-up"), $"s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.{far}.yes", TimeSpan.FromMinutes(1));
            await a.SetAsync("genuine", new Answer("yes"), TimeSpan.FromMinutes(1));
            var genuine = (string)(await db.StringGetAsync(RedisChannels.Cache("test", "genuine")))!;
            await db.StringSetAsync(RedisChannels.Cache("test", "moved"), genuine, TimeSpan.FromMinutes(1));
            await db.StringSetAsync(RedisChannels.Cache("test", "altered"), genuine[..^3] + "no!", TimeSpan.FromMinutes(1));

            Assert.Null(await a.GetAsync("plain"));
            Assert.Null(await a.GetAsync("made-up"));
            Assert.Null(await a.GetAsync("moved")); // a genuine entry under another key
            Assert.Null(await a.GetAsync("altered"));
            Assert.Null(await otherKey.GetAsync("genuine")); // sealed with another key
            var (fresh, freshConnection) = Replica(redis.ConnectionString);
            using (freshConnection)
            {
                Assert.Equal("yes", (await fresh.GetAsync("genuine"))?.Text); // same key, from Redis, not memory
            }
        }
    }

    [Fact]
    public async Task A_ttl_extended_in_Redis_does_not_extend_the_answer()
    {
        var redis = await RedisServer.SharedAsync();
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        var (a, connection) = Replica(redis.ConnectionString, clock: clock);
        using (connection)
        {
            var key = Guid.NewGuid().ToString("N");
            await a.SetAsync(key, new Answer("yes"), TimeSpan.FromSeconds(5));
            await connection.Database.KeyExpireAsync(RedisChannels.Cache("test", key), TimeSpan.FromHours(1));
            var (b, connectionB) = Replica(redis.ConnectionString, clock: clock);
            using (connectionB)
            {
                Assert.Equal("yes", (await b.GetAsync(key))?.Text);
                clock.Advance(TimeSpan.FromSeconds(6));
                var (c, connectionC) = Replica(redis.ConnectionString, clock: clock);
                using (connectionC)
                {
                    Assert.Null(await c.GetAsync(key)); // Redis still has it for an hour; its seal says 5 s
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_answer_cached_by_one_replica_serves_another_and_outlives_its_ttl_on_neither(bool cluster)
    {
        var redis = await SharedRedis.ConnectionStringAsync(cluster);
        var (a, connectionA) = Replica(redis);
        var (b, connectionB) = Replica(redis);
        using (connectionA)
        using (connectionB)
        {
            var key = Guid.NewGuid().ToString("N");
            var written = TimeProvider.System.GetUtcNow();
            await a.SetAsync(key, new Answer("yes"), TimeSpan.FromSeconds(2));

            Assert.Equal("yes", (await b.GetAsync(key))?.Text);
            var left = await connectionB.Database.KeyTimeToLiveAsync(RedisChannels.Cache("test", key));
            Assert.InRange(left!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2));

            // Real time must pass: the TTL runs on Redis's clock and in MemoryCache's, which no
            // test clock moves. Both copies must be gone by 2.5 s after the write (the TTL and
            // the same half second of slack as ever), and the test goes on as soon as they are.
            var ttlEnds = written + TimeSpan.FromSeconds(2.5);
            await Eventually.TrueAsync(async () => await b.GetAsync(key) is null && await a.GetAsync(key) is null,
                "both replicas' copies expired (an answer outlived its TTL)", ttlEnds - TimeProvider.System.GetUtcNow());
        }
    }

    [Fact]
    public async Task With_Redis_down_the_cache_keeps_its_memory_and_never_throws()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var (a, connection) = Replica(redis.ConnectionString);
        using (connection)
        {
            await a.SetAsync("before", new Answer("kept"), TimeSpan.FromMinutes(1));
            await redis.StopAsync();
            await Eventually.TrueAsync(() => !connection.IsConnected, "the Redis connection down");

            await a.SetAsync("during", new Answer("memory only"), TimeSpan.FromMinutes(1));

            Assert.Equal("kept", (await a.GetAsync("before"))?.Text);
            Assert.Equal("memory only", (await a.GetAsync("during"))?.Text);
            Assert.Null(await a.GetAsync("never"));
        }
    }
}
