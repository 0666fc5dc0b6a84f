namespace Chat.IntegrationTests.Infrastructure;

/// <summary>The run's shared Redis, as one server or as a cluster, for suites run on both.</summary>
public static class SharedRedis
{
    /// <summary>The connection string of the run's one Redis, or of its cluster's every node.</summary>
    public static async Task<string> ConnectionStringAsync(bool cluster) => cluster
        ? (await RedisCluster.SharedAsync()).ConnectionString
        : (await RedisServer.SharedAsync()).ConnectionString;
}
