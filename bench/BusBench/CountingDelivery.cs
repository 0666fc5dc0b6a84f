using Chat.Edge.Bus;

namespace Chat.BusBench;

/// <summary>An Edge replica's local delivery reduced to a count: what arrived from the bus.</summary>
public sealed class CountingDelivery : ILocalDelivery
{
    private long _delivered;

    public long Delivered => Interlocked.Read(ref _delivered);

    public void Deliver(string user, BusEvent busEvent) => Interlocked.Increment(ref _delivered);

    public Task<int> RequestCatchUpAsync(int batchSize, TimeSpan pause, CancellationToken cancellationToken) => Task.FromResult(0);
}
