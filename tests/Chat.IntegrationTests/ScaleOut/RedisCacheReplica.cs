using Chat.Edge.Caching;
using Chat.Edge.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The shared-cache side of one Edge replica joined by Redis, built in the test process.</summary>
public static class RedisCacheReplica
{
    /// <summary>The one place a test builds a <see cref="RedisSharedCache"/>.</summary>
    public static (RedisSharedCache Cache, RedisConnection Connection) Start(string connectionString, byte[] sealKey, TimeProvider clock)
    {
        var options = Options.Create(new RedisOptions { ConnectionString = connectionString, MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
        var connection = new RedisConnection(options, new NodeIdentity($"cache-{Guid.NewGuid():N}"), NullLogger<RedisConnection>.Instance);
        var cache = new RedisSharedCache(connection, new RedisFailureLog(options, TimeProvider.System, NullLogger<RedisFailureLog>.Instance),
            new CacheEntrySeal(sealKey), clock, NullLogger<RedisSharedCache>.Instance);
        return (cache, connection);
    }

    public static CacheReplica AsCacheReplica(this (RedisSharedCache Cache, RedisConnection Connection) replica) => new(replica.Cache, () =>
    {
        replica.Connection.Dispose();
        return ValueTask.CompletedTask;
    });
}

/// <summary>The cache's Redis keys, read and written with a connection of one's own.</summary>
public sealed class RedisCacheStore(ConnectionMultiplexer redis) : IRawCacheStore
{
    public static async Task<IRawCacheStore> OpenAsync(string connectionString) =>
        new RedisCacheStore(await ConnectionMultiplexer.ConnectAsync(connectionString));

    public Task WriteAsync(string area, string key, string stored, TimeSpan timeToLive) =>
        redis.GetDatabase().StringSetAsync(RedisChannels.Cache(area, key), stored, timeToLive);

    public async Task<string?> ReadAsync(string area, string key) =>
        await redis.GetDatabase().StringGetAsync(RedisChannels.Cache(area, key));

    public Task ExtendAsync(string area, string key, TimeSpan timeToLive) =>
        redis.GetDatabase().KeyExpireAsync(RedisChannels.Cache(area, key), timeToLive);

    public ValueTask DisposeAsync() => redis.DisposeAsync();
}
