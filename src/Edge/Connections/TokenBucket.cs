using System.Diagnostics;

namespace Chat.Edge.Connections;

/// <summary>
/// A token bucket: <c>rate</c> tokens a second, at most <c>burst</c> saved up. Used by one
/// connection's reader only, so it needs no lock.
/// </summary>
public sealed class TokenBucket(double rate, int burst)
{
    private double _tokens = burst;
    private long _lastRefill = Stopwatch.GetTimestamp();

    public bool TryTake()
    {
        var now = Stopwatch.GetTimestamp();
        var seconds = Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds;
        _lastRefill = now;
        _tokens = Math.Min(burst, _tokens + (seconds * rate));
        if (_tokens < 1)
        {
            return false;
        }
        _tokens -= 1;
        return true;
    }
}
