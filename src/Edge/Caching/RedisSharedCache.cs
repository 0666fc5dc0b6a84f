using Chat.Edge.ScaleOut;

namespace Chat.Edge.Caching;

/// <summary>The shared cache in Redis strings with a TTL (<see cref="RedisChannels.Cache"/>).</summary>
public sealed class RedisSharedCache(RedisConnection redis, RedisFailureLog failures) : ISharedCache
{
    public async Task<SharedEntry?> GetAsync(string area, string key)
    {
        if (!redis.IsConnected)
        {
            return null; // no need to fail a command to know
        }
        try
        {
            var entry = await redis.Database.StringGetWithExpiryAsync(RedisChannels.Cache(area, key));
            return entry.Value.HasValue && entry.Expiry is { } left && left > TimeSpan.Zero
                ? new SharedEntry(entry.Value.ToString(), left)
                : null;
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("cache read", e);
            return null;
        }
    }

    public async Task SetAsync(string area, string key, string value, TimeSpan timeToLive)
    {
        if (!redis.IsConnected || timeToLive <= TimeSpan.Zero)
        {
            return;
        }
        try
        {
            await redis.Database.StringSetAsync(RedisChannels.Cache(area, key), value, timeToLive);
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("cache write", e);
        }
    }
}
