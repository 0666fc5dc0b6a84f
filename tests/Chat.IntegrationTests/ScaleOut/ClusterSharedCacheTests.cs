using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The shared-cache contract between replicas joined by a real Redis Cluster (keys on every shard).</summary>
public sealed class ClusterSharedCacheTests : SealedSharedCacheContract
{
    protected override async Task<CacheReplica> StartReplicaAsync(TimeProvider clock, byte[] sealKey)
    {
        var replica = RedisCacheReplica.Start((await RedisCluster.SharedAsync()).ConnectionString, sealKey, clock);
        Assert.True(replica.Connection.IsCluster);
        return replica.AsCacheReplica();
    }

    protected override async Task<IRawCacheStore> OpenStoreAsync() =>
        await RedisCacheStore.OpenAsync((await RedisCluster.SharedAsync()).ConnectionString);
}
