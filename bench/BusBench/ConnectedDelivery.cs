using Chat.Edge.Bus;

namespace Chat.BusBench;

/// <summary>
/// An Edge replica's local delivery as the allocation benchmark needs it: only users "connected"
/// here take events, and each takes the frame its connection would write (which may be rendered
/// on first use), so the receiving replica's work per message is counted in full.
/// </summary>
public sealed class ConnectedDelivery(IReadOnlySet<string> connected) : ILocalDelivery
{
    private long _delivered;
    private long _frameBytes;

    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>The frames' bytes, summed: read so that nothing is optimised away, and a check that frames arrived whole.</summary>
    public long FrameBytes => Interlocked.Read(ref _frameBytes);

    public void Deliver(string user, BusEvent busEvent)
    {
        if (connected.Contains(user))
        {
            Interlocked.Add(ref _frameBytes, busEvent.Frame.Length);
            Interlocked.Increment(ref _delivered);
        }
    }

    public Task<int> RequestCatchUpAsync(int batchSize, TimeSpan pause, CancellationToken cancellationToken) => Task.FromResult(0);
}
