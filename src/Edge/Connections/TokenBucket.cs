namespace Chat.Edge.Connections;

/// <summary>
/// A token bucket: <c>rate</c> tokens a second, at most <c>burst</c> saved up, starting full.
/// Used by one connection's reader only, so it needs no lock.
/// </summary>
public sealed class TokenBucket
{
    private readonly double _rate;
    private readonly int _burst;
    private readonly TimeProvider _clock;
    private double _tokens;
    private long _lastRefill;

    public TokenBucket(double rate, int burst, TimeProvider clock)
    {
        _rate = rate;
        _burst = burst;
        _clock = clock;
        _tokens = burst;
        _lastRefill = clock.GetTimestamp();
    }

    public bool TryTake()
    {
        var now = _clock.GetTimestamp();
        var seconds = _clock.GetElapsedTime(_lastRefill, now).TotalSeconds;
        _lastRefill = now;
        _tokens = Math.Min(_burst, _tokens + (seconds * _rate));
        if (_tokens < 1)
        {
            return false;
        }
        _tokens -= 1;
        return true;
    }
}
