using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// <see cref="ScaleOutSystem"/> on a Redis Cluster of its own (three primaries, three replicas):
/// the Edges use sharded pub/sub, and tests may kill nodes and move slots.
/// </summary>
public class ClusterScaleOutSystem : ScaleOutSystem
{
    public RedisCluster Cluster { get; private set; } = null!;

    protected override async Task<string> StartRedisAsync()
    {
        Cluster = await RedisCluster.StartNewAsync();
        return Cluster.ConnectionString;
    }

    protected override ValueTask StopRedisAsync() => Cluster.DisposeAsync();
}
