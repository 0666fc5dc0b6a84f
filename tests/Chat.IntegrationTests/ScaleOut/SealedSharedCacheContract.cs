using System.Globalization;
using System.Security.Cryptography;
using Chat.Edge.Caching;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// What a shared cache kept where others can write (Redis: a trust boundary) promises on top of
/// <see cref="SharedCacheContract"/>: an answer is only ever one the Edges sealed
/// (<see cref="CacheEntrySeal"/>) for that very area and key, and for no longer than they sealed
/// it. Whatever else is in the store — written by someone else, altered, moved to another key,
/// sealed under another key, kept past its time — is a miss.
/// </summary>
public abstract class SealedSharedCacheContract : SharedCacheContract
{
    // The key every replica of these tests shares, as every Edge replica of a deployment does.
    private static readonly byte[] EdgesKey = RandomNumberGenerator.GetBytes(CacheEntrySeal.MinKeyBytes);

    protected sealed override bool SharesEntries => true;

    protected sealed override Task<CacheReplica> StartReplicaAsync(TimeProvider clock) => StartReplicaAsync(clock, EdgesKey);

    /// <summary>A replica that seals and opens entries with <paramref name="sealKey"/>.</summary>
    protected abstract Task<CacheReplica> StartReplicaAsync(TimeProvider clock, byte[] sealKey);

    /// <summary>The store as anyone with access to it sees it: the stored strings, unsealed.</summary>
    protected abstract Task<IRawCacheStore> OpenStoreAsync();

    [Fact]
    public async Task An_entry_written_into_the_store_by_anyone_but_an_edge_is_a_miss()
    {
        await using var store = await OpenStoreAsync();
        await using var a = await StartReplicaAsync(TimeProvider.System);
        var plain = NewKey();
        var madeUp = NewKey();
        var far = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

        await store.WriteAsync(Area, plain, "yes", TimeSpan.FromMinutes(1));
        await store.WriteAsync(Area, madeUp, $"s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.{far}.yes", TimeSpan.FromMinutes(1));

        Assert.Null(await a.Cache.GetAsync(Area, plain));
        Assert.Null(await a.Cache.GetAsync(Area, madeUp));
    }

    [Fact]
    public async Task A_sealed_entry_altered_or_moved_to_another_key_or_area_is_a_miss()
    {
        await using var store = await OpenStoreAsync();
        await using var a = await StartReplicaAsync(TimeProvider.System);
        await using var b = await StartReplicaAsync(TimeProvider.System);
        var genuine = NewKey();
        await a.Cache.SetAsync(Area, genuine, "yes", TimeSpan.FromMinutes(1));
        var stored = await store.ReadAsync(Area, genuine);
        Assert.NotNull(stored);
        var moved = NewKey();
        var valueAltered = NewKey();
        var expiryAltered = NewKey();
        var parts = stored.Split('.', 4);
        var later = long.Parse(parts[2], CultureInfo.InvariantCulture) + 3_600_000;

        await store.WriteAsync(Area, moved, stored, TimeSpan.FromMinutes(1));
        await store.WriteAsync(Area + "-other", genuine, stored, TimeSpan.FromMinutes(1));
        await store.WriteAsync(Area, valueAltered, stored[..^3] + "no!", TimeSpan.FromMinutes(1));
        await store.WriteAsync(Area, expiryAltered, $"{parts[0]}.{parts[1]}.{later.ToString(CultureInfo.InvariantCulture)}.{parts[3]}", TimeSpan.FromMinutes(1));

        Assert.Equal("yes", (await b.Cache.GetAsync(Area, genuine))?.Value); // the genuine one, where it was put
        Assert.Null(await b.Cache.GetAsync(Area, moved));
        Assert.Null(await b.Cache.GetAsync(Area + "-other", genuine));
        Assert.Null(await b.Cache.GetAsync(Area, valueAltered));
        Assert.Null(await b.Cache.GetAsync(Area, expiryAltered));
    }

    [Fact]
    public async Task An_entry_sealed_under_another_key_is_a_miss()
    {
        await using var a = await StartReplicaAsync(TimeProvider.System);
        await using var stranger = await StartReplicaAsync(TimeProvider.System, RandomNumberGenerator.GetBytes(CacheEntrySeal.MinKeyBytes));
        var key = NewKey();

        await stranger.Cache.SetAsync(Area, key, "yes", TimeSpan.FromMinutes(1));

        Assert.Equal("yes", (await stranger.Cache.GetAsync(Area, key))?.Value);
        Assert.Null(await a.Cache.GetAsync(Area, key));
    }

    [Fact]
    public async Task A_lifetime_extended_in_the_store_does_not_extend_the_answer()
    {
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        await using var store = await OpenStoreAsync();
        await using var a = await StartReplicaAsync(clock);
        var key = NewKey();
        await a.Cache.SetAsync(Area, key, "yes", TimeSpan.FromSeconds(5));

        await store.ExtendAsync(Area, key, TimeSpan.FromHours(1));

        var answer = await a.Cache.GetAsync(Area, key);
        Assert.Equal("yes", answer?.Value);
        Assert.True(answer!.TimeToLive <= TimeSpan.FromSeconds(5), $"answered for {answer.TimeToLive}, sealed for 5 s");
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Null(await a.Cache.GetAsync(Area, key)); // the store keeps it an hour; its seal says 5 s
    }
}

/// <summary>A cache's store, read and written around the Edges (an attacker's, or an operator's, view).</summary>
public interface IRawCacheStore : IAsyncDisposable
{
    Task WriteAsync(string area, string key, string stored, TimeSpan timeToLive);

    Task<string?> ReadAsync(string area, string key);

    Task ExtendAsync(string area, string key, TimeSpan timeToLive);
}
