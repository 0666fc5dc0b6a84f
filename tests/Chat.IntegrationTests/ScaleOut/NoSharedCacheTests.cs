using Chat.Edge.Caching;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The shared-cache contract for a single Edge (no Redis): nothing is shared, so it promises misses alone.</summary>
public sealed class NoSharedCacheTests : SharedCacheContract
{
    protected override bool SharesEntries => false;

    protected override Task<CacheReplica> StartReplicaAsync(TimeProvider clock) => Task.FromResult(new CacheReplica(new NoSharedCache()));
}
