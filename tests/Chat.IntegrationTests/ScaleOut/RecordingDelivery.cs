using System.Collections.Concurrent;
using System.Threading.Channels;
using Chat.Edge.Bus;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>Stands where a replica's connection registry would: keeps what the bus hands over, per user.</summary>
/// <param name="explain">What the replica can say when an event does not come (its Redis log, say),
/// added to the failure.</param>
public sealed class RecordingDelivery(Func<string>? explain = null) : ILocalDelivery
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Channel<BusEvent>> _byUser = new(StringComparer.Ordinal);

    private int _catchUpRequests;

    public void Deliver(string user, BusEvent busEvent) => For(user).Writer.TryWrite(busEvent);

    /// <summary>How many times the bus asked every local connection to catch up.</summary>
    public int CatchUpRequests => Volatile.Read(ref _catchUpRequests);

    public Task<int> RequestCatchUpAsync(int batchSize, TimeSpan pause, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _catchUpRequests);
        return Task.FromResult(0);
    }

    /// <summary>The next event for <paramref name="user"/>; fails the test when none comes in time.</summary>
    public async Task<BusEvent> NextAsync(string user, TimeSpan? wait = null)
    {
        var next = await TryNextAsync(user, wait ?? DefaultWait);
        Assert.True(next is not null, $"no event for {user} arrived within {wait ?? DefaultWait}{explain?.Invoke()}");
        return next;
    }

    /// <summary>The next event for <paramref name="user"/>, or null when none comes within <paramref name="wait"/>.</summary>
    public async Task<BusEvent?> TryNextAsync(string user, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await For(user).Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async Task ExpectNoneAsync(string user, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            var unexpected = await For(user).Reader.ReadAsync(timeout.Token);
            Assert.Fail($"expected no event for {user}, got {unexpected.Kind} {unexpected.Id}");
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Channel<BusEvent> For(string user) => _byUser.GetOrAdd(user, _ => Channel.CreateUnbounded<BusEvent>());
}
