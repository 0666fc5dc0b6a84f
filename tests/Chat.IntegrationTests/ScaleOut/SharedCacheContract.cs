using Chat.Edge.Caching;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// What every shared cache promises (ISharedCache), written once and run against each backend.
/// Every backend promises misses: what was never put, or has expired, is null, and nothing
/// throws. Only a backend that <see cref="SharesEntries"/> promises more: what one replica puts,
/// every replica reads back until its expiry. A backend that keeps nothing (a single Edge) states
/// so, and its tests hold it to misses alone.
/// </summary>
public abstract class SharedCacheContract
{
    protected const string Area = "contract";

    /// <summary>Whether a put is read back (by any replica) until it expires.</summary>
    protected abstract bool SharesEntries { get; }

    /// <summary>A replica of the backend, whose time (entries' expiry) is <paramref name="clock"/>.</summary>
    protected abstract Task<CacheReplica> StartReplicaAsync(TimeProvider clock);

    protected static string NewKey() => Guid.NewGuid().ToString("N");

    /// <summary>What a read should find for an entry put with <paramref name="value"/>: it, or a miss.</summary>
    private string? Expected(string value) => SharesEntries ? value : null;

    [Fact]
    public async Task A_key_never_put_is_a_miss()
    {
        await using var a = await StartReplicaAsync(TimeProvider.System);

        Assert.Null(await a.Cache.GetAsync(Area, NewKey()));
    }

    [Fact]
    public async Task A_put_is_read_back_by_every_replica_until_it_expires_and_never_after()
    {
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        await using var a = await StartReplicaAsync(clock);
        await using var b = await StartReplicaAsync(clock);
        var key = NewKey();

        await a.Cache.SetAsync(Area, key, "yes", TimeSpan.FromSeconds(30));

        var onB = await b.Cache.GetAsync(Area, key);
        Assert.Equal(Expected("yes"), onB?.Value);
        Assert.Equal(Expected("yes"), (await a.Cache.GetAsync(Area, key))?.Value);
        if (onB is not null)
        {
            Assert.InRange(onB.TimeToLive, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(30)); // never longer than given
        }

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(Expected("yes"), (await b.Cache.GetAsync(Area, key))?.Value);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await b.Cache.GetAsync(Area, key));
        Assert.Null(await a.Cache.GetAsync(Area, key));
    }

    [Fact]
    public async Task A_put_without_time_to_live_is_never_read_back()
    {
        await using var a = await StartReplicaAsync(TimeProvider.System);
        var none = NewKey();
        var past = NewKey();

        await a.Cache.SetAsync(Area, none, "yes", TimeSpan.Zero);
        await a.Cache.SetAsync(Area, past, "yes", TimeSpan.FromSeconds(-1));

        Assert.Null(await a.Cache.GetAsync(Area, none));
        Assert.Null(await a.Cache.GetAsync(Area, past));
    }

    [Fact]
    public async Task A_later_put_replaces_the_earlier_and_areas_keep_their_own_entries()
    {
        await using var a = await StartReplicaAsync(TimeProvider.System);
        await using var b = await StartReplicaAsync(TimeProvider.System);
        var key = NewKey();

        await a.Cache.SetAsync(Area, key, "first", TimeSpan.FromMinutes(1));
        await a.Cache.SetAsync(Area, key, "second", TimeSpan.FromMinutes(1));
        await a.Cache.SetAsync(Area + "-other", key, "elsewhere", TimeSpan.FromMinutes(1));

        Assert.Equal(Expected("second"), (await b.Cache.GetAsync(Area, key))?.Value);
        Assert.Equal(Expected("elsewhere"), (await b.Cache.GetAsync(Area + "-other", key))?.Value);
        Assert.Null(await b.Cache.GetAsync(Area + "-never", key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("v2:1764072000000:a.b.c:alice:s-1")]
    [InlineData("ünïcødé ✓, \"quotes\", a\nnewline and s1.dots.like.a.seal")]
    public async Task Any_text_is_read_back_as_it_was_put(string value)
    {
        await using var a = await StartReplicaAsync(TimeProvider.System);
        await using var b = await StartReplicaAsync(TimeProvider.System);
        var key = NewKey();

        await a.Cache.SetAsync(Area, key, value, TimeSpan.FromMinutes(1));

        Assert.Equal(Expected(value), (await b.Cache.GetAsync(Area, key))?.Value);
    }

    [Fact]
    public async Task Many_keys_put_and_read_at_once_each_keep_their_own_value()
    {
        await using var a = await StartReplicaAsync(TimeProvider.System);
        await using var b = await StartReplicaAsync(TimeProvider.System);
        // A hundred keys: on a cluster they span every shard.
        string[] keys = [.. Enumerable.Range(0, 100).Select(_ => NewKey())];

        await Task.WhenAll(keys.Select(k => a.Cache.SetAsync(Area, k, "value of " + k, TimeSpan.FromMinutes(1))));
        var read = await Task.WhenAll(keys.Select(k => b.Cache.GetAsync(Area, k)));

        Assert.Equal(keys.Select(k => Expected("value of " + k)), read.Select(e => e?.Value));
    }
}

/// <summary>One replica of a shared cache backend under test.</summary>
public sealed class CacheReplica(ISharedCache cache, Func<ValueTask>? dispose = null) : IAsyncDisposable
{
    public ISharedCache Cache { get; } = cache;

    public ValueTask DisposeAsync() => dispose?.Invoke() ?? ValueTask.CompletedTask;
}
