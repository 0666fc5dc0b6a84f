using Chat.Edge.Redis;

namespace Chat.Edge.Caching;

/// <summary>
/// The shared cache in Redis strings with a TTL (<see cref="RedisChannels.Cache"/>), each entry
/// sealed (<see cref="CacheEntrySeal"/>): an entry that someone with access to Redis wrote or
/// altered is a miss, counted and logged, never an answer.
/// </summary>
public sealed partial class RedisSharedCache(
    RedisConnection redis,
    RedisFailureLog failures,
    CacheEntrySeal seal,
    TimeProvider clock,
    ILogger<RedisSharedCache> logger) : ISharedCache
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
            if (!entry.Value.HasValue || entry.Expiry is not { } left || left <= TimeSpan.Zero)
            {
                return null;
            }
            var now = clock.GetUtcNow();
            switch (seal.Open(area, key, entry.Value.ToString(), now, out var value, out var expires))
            {
                case SealCheck.Valid:
                    // Never longer than sealed: a TTL extended in Redis does not extend the answer.
                    var sealedLeft = expires - now;
                    return new SharedEntry(value, left < sealedLeft ? left : sealedLeft);
                case SealCheck.Forged:
                    LogForged(logger, area);
                    return null;
                default:
                    return null;
            }
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
            var sealedValue = seal.Seal(area, key, value, clock.GetUtcNow() + timeToLive);
            await redis.Database.StringSetAsync(RedisChannels.Cache(area, key), sealedValue, timeToLive);
        }
        catch (Exception e) when (RedisFailureLog.IsRedisFailure(e))
        {
            failures.Report("cache write", e);
        }
    }

    // Warning, not Error: nothing was let in. The key (a SHA-256 for tokens) is not logged.
    [LoggerMessage(EventId = 881, Level = LogLevel.Warning, Message = "A shared cache entry in {Area} fails its seal (written or altered outside the Edges, or sealed with another key): ignored")]
    private static partial void LogForged(ILogger logger, string area);
}
