using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The shared-cache contract between replicas joined by a real Redis, and what Redis adds: outages.</summary>
public sealed class RedisSharedCacheTests : SealedSharedCacheContract
{
    protected override async Task<CacheReplica> StartReplicaAsync(TimeProvider clock, byte[] sealKey) =>
        RedisCacheReplica.Start((await RedisServer.SharedAsync()).ConnectionString, sealKey, clock).AsCacheReplica();

    protected override async Task<IRawCacheStore> OpenStoreAsync() =>
        await RedisCacheStore.OpenAsync((await RedisServer.SharedAsync()).ConnectionString);

    [Fact]
    public async Task While_Redis_is_down_reads_miss_and_writes_are_dropped_without_throwing()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var (cache, connection) = RedisCacheReplica.Start(redis.ConnectionString, new byte[Chat.Edge.Caching.CacheEntrySeal.MinKeyBytes], TimeProvider.System);
        using (connection)
        {
            await cache.SetAsync(Area, "before", "kept in Redis", TimeSpan.FromMinutes(1));
            Assert.Equal("kept in Redis", (await cache.GetAsync(Area, "before"))?.Value);
            await redis.StopAsync();
            await Eventually.TrueAsync(() => !connection.IsConnected, "the Redis connection down");

            await cache.SetAsync(Area, "during", "nowhere to go", TimeSpan.FromMinutes(1));

            Assert.Null(await cache.GetAsync(Area, "before"));
            Assert.Null(await cache.GetAsync(Area, "during"));
        }
    }
}
