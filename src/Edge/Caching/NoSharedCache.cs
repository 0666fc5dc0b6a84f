namespace Chat.Edge.Caching;

/// <summary>A single Edge (no Redis): nothing to share, each replica's memory cache is all there is.</summary>
public sealed class NoSharedCache : ISharedCache
{
    public Task<SharedEntry?> GetAsync(string area, string key) => Task.FromResult<SharedEntry?>(null);

    public Task SetAsync(string area, string key, string value, TimeSpan timeToLive) => Task.CompletedTask;
}
