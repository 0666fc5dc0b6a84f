using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The bus contract between replicas joined by a real Redis Cluster (sharded pub/sub).</summary>
public sealed class ClusterMessageBusTests : MessageBusContract
{
    protected override async Task<BusReplica> StartReplicaAsync()
    {
        var cluster = await RedisCluster.SharedAsync();
        var replica = RedisReplica.Start(cluster.ConnectionString);
        await replica.WaitConnectedAsync();
        Assert.True(replica.Connection.IsCluster);
        return replica.AsBusReplica();
    }

    [Fact]
    public async Task On_one_Redis_the_bus_is_not_in_cluster_mode()
    {
        var redis = await RedisServer.SharedAsync();
        await using var replica = RedisReplica.Start(redis.ConnectionString);
        await replica.WaitConnectedAsync();
        Assert.False(replica.Connection.IsCluster);
    }
}
