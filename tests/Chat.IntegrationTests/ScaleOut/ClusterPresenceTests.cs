using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The presence contract between replicas joined by a real Redis Cluster (users' keys on every shard).</summary>
public sealed class ClusterPresenceTests : PresenceContract
{
    protected override async Task<PresenceReplica> StartReplicaAsync()
    {
        var replica = RedisPresenceReplica.Start((await RedisCluster.SharedAsync()).ConnectionString);
        Assert.True(replica.Connection.IsCluster);
        return replica.AsPresenceReplica();
    }
}
