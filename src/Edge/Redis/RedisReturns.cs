using System.Threading.Channels;

namespace Chat.Edge.Redis;

/// <summary>
/// The moments a Redis backend must make up for what Redis lost: the connection came back after an
/// outage (<see cref="RedisConnection.Restored"/>), or a cluster's slots moved
/// (<see cref="RedisConnection.TopologyChanged"/>), which pub/sub does not survive either. Redis's
/// links, or a cluster's nodes, come back one after the other: a burst is one moment, told after
/// it settles. Each backend that recovers holds its own, so each sees every moment.
/// </summary>
public sealed class RedisReturns : IDisposable
{
    // The commands link and the subscriptions link come back one after the other: one recovery for both.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    private readonly RedisConnection _redis;
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    // The first reason of a burst is kept; the rest are the same recovery.
    private string? _movedReason;

    public RedisReturns(RedisConnection redis)
    {
        _redis = redis;
        redis.Restored += OnRestored;
        redis.TopologyChanged += OnTopologyChanged;
    }

    /// <summary>
    /// Waits for the next moment, at most <paramref name="timeout"/>: null when none came, else
    /// why (<see cref="RedisReturn.MovedReason"/> null for a plain return after an outage).
    /// </summary>
    public async Task<RedisReturn?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(timeout);
            try
            {
                await _signal.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
        await Task.Delay(Settle, cancellationToken);
        _signal.Reader.TryRead(out _); // the rest of the burst
        return new RedisReturn(Interlocked.Exchange(ref _movedReason, null));
    }

    public void Dispose()
    {
        _redis.Restored -= OnRestored;
        _redis.TopologyChanged -= OnTopologyChanged;
    }

    private void OnRestored() => _signal.Writer.TryWrite(true);

    private void OnTopologyChanged(string reason)
    {
        Interlocked.CompareExchange(ref _movedReason, reason, null);
        _signal.Writer.TryWrite(true);
    }
}

/// <param name="MovedReason">What moved on the cluster; null when Redis came back after an outage.</param>
public sealed record RedisReturn(string? MovedReason);
