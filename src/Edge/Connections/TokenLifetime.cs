using Chat.Edge.Auth;

namespace Chat.Edge.Connections;

/// <summary>
/// How long a connection may live on the token it proved: it warns <see cref="WarnBefore"/> ahead
/// of the token's expiry (at once when less is left), ends the connection at the expiry, and moves
/// both when the client presents a newer token of the same user. It also knows the session the
/// latest token belongs to, which is what a session's end closes.
/// </summary>
public sealed class TokenLifetime : IDisposable
{
    /// <summary>When the <c>expiring</c> frame goes out, ahead of the expiry (the contract's 60 s).</summary>
    public static readonly TimeSpan WarnBefore = TimeSpan.FromSeconds(60);

    // Tokens valid this long or longer (the relay Edge's) are not timed at all.
    private static readonly TimeSpan Untimed = TimeSpan.FromDays(30);

    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;
    private readonly Action<int> _expiring;
    private readonly Action _expired;
    // One timer for both moments (every idle connection holds it): first the warning, then the
    // expiry. A timer is a few hundred bytes with its callback, and connections are many.
    private readonly ITimer _timer;
    private AuthenticatedUser _user;
    private bool _warned;

    /// <param name="expiring">Called with the whole seconds left when the warning is due.</param>
    /// <param name="expired">Called once the current token has expired.</param>
    public TokenLifetime(AuthenticatedUser user, TimeProvider clock, Action<int> expiring, Action expired)
    {
        _user = user;
        _clock = clock;
        _expiring = expiring;
        _expired = expired;
        _timer = clock.CreateTimer(_ => Tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The session of the latest accepted token.</summary>
    public string SessionId
    {
        get
        {
            lock (_gate)
            {
                return _user.SessionId;
            }
        }
    }

    /// <summary>Starts the clocks for the token the connection opened with.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ScheduleLocked();
        }
    }

    /// <summary>
    /// Takes a newer token of the same user: the connection then lives to its expiry. False when
    /// it is another user's (nothing changes); a token that expires no later changes nothing either.
    /// </summary>
    public bool Renew(AuthenticatedUser newer)
    {
        lock (_gate)
        {
            if (!string.Equals(newer.Id, _user.Id, StringComparison.Ordinal))
            {
                return false;
            }
            if (newer.ExpiresAt > _user.ExpiresAt)
            {
                _user = newer;
                ScheduleLocked();
            }
            return true;
        }
    }

    private void ScheduleLocked()
    {
        var left = _user.ExpiresAt - _clock.GetUtcNow().UtcDateTime;
        if (left >= Untimed)
        {
            return;
        }
        _warned = false;
        var untilWarning = left - WarnBefore;
        _timer.Change(untilWarning > TimeSpan.Zero ? untilWarning : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The warning, then (the timer set again) the expiry; a renewal in between starts over.</summary>
    private void Tick()
    {
        int? warnWithSecondsLeft = null;
        var expired = false;
        lock (_gate)
        {
            var left = _user.ExpiresAt - _clock.GetUtcNow().UtcDateTime;
            if (!_warned)
            {
                _warned = true;
                warnWithSecondsLeft = (int)Math.Max(0, Math.Round(left.TotalSeconds));
                _timer.Change(left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
            else if (left > TimeSpan.Zero)
            {
                _timer.Change(left, Timeout.InfiniteTimeSpan);
            }
            else
            {
                expired = true;
            }
        }
        if (warnWithSecondsLeft is { } seconds)
        {
            _expiring(seconds);
        }
        if (expired)
        {
            _expired();
        }
    }

    public void Dispose() => _timer.Dispose();
}
