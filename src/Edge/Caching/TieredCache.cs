using Microsoft.Extensions.Caching.Memory;

namespace Chat.Edge.Caching;

/// <summary>
/// Memory first, then the shared cache, for one kind of answer (an <c>area</c>). An answer found
/// in the shared cache is copied into memory for no longer than the shared copy has left, so no
/// copy outlives the lifetime its writer gave it.
/// </summary>
public sealed class TieredCache<T>(
    IMemoryCache memory,
    ISharedCache shared,
    string area,
    Func<T, string> encode,
    Func<string, T?> decode)
    where T : class
{
    /// <summary>The cached answer, or null. <paramref name="decode"/> returning null (an unreadable entry) is a miss.</summary>
    public async ValueTask<T?> GetAsync(string key)
    {
        var memoryKey = (area, key);
        if (memory.TryGetValue(memoryKey, out T? local) && local is not null)
        {
            return local;
        }
        if (await shared.GetAsync(area, key) is { } entry && decode(entry.Value) is { } value)
        {
            Remember(memoryKey, value, entry.TimeToLive);
            return value;
        }
        return null;
    }

    public async ValueTask SetAsync(string key, T value, TimeSpan timeToLive)
    {
        if (timeToLive <= TimeSpan.Zero)
        {
            return;
        }
        Remember((area, key), value, timeToLive);
        await shared.SetAsync(area, key, encode(value), timeToLive);
    }

    private void Remember((string, string) memoryKey, T value, TimeSpan timeToLive) =>
        memory.Set(memoryKey, value, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = timeToLive, Size = 1 });
}
