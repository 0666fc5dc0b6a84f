namespace Chat.Edge.Caching;

/// <summary>
/// A cache every Edge replica sees (Redis), behind each replica's own memory cache. Best effort:
/// a cache that cannot answer answers "miss", and a write that fails is dropped, so callers fall
/// back to asking the service that knows.
/// </summary>
public interface ISharedCache
{
    /// <summary>The value and how long it has left, or null.</summary>
    Task<SharedEntry?> GetAsync(string area, string key);

    /// <summary>Stores a value that expires after <paramref name="timeToLive"/>.</summary>
    Task SetAsync(string area, string key, string value, TimeSpan timeToLive);
}

public sealed record SharedEntry(string Value, TimeSpan TimeToLive);
