using System.Security.Cryptography;
using Chat.Edge.Auth;
using Chat.Edge.Caching;
using Chat.Edge.Redis;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Caching.Memory;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// The two-level cache (memory, then Redis) the replicas share answers through. What the shared
/// level alone promises is <see cref="SharedCacheContract"/>'s; these are the memory level's.
/// </summary>
public sealed class SharedCacheTests
{
    private sealed record Answer(string Text);

    // The key every replica of these tests shares, as every Edge replica of a deployment does.
    private static readonly byte[] SealKey = RandomNumberGenerator.GetBytes(CacheEntrySeal.MinKeyBytes);

    private static (TieredCache<Answer> Cache, RedisConnection Connection) Replica(string connectionString)
    {
        var (shared, connection) = RedisCacheReplica.Start(connectionString, SealKey, TimeProvider.System);
        var memory = new MemoryCache(new MemoryCacheOptions());
        return (new TieredCache<Answer>(memory, shared, "test", a => a.Text, t => new Answer(t)), connection);
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
