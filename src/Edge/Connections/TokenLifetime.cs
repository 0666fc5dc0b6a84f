using Chat.Edge.Auth;

namespace Chat.Edge.Connections;

/// <summary>
/// How long a connection may live on the token it proved: it warns <see cref="WarnBefore"/> ahead
/// of the token's expiry (at once when less is left), ends the connection at the expiry, and moves
/// both when the client presents a newer token of the same user. It also knows the session the
/// latest token belongs to, which is what a session's end closes. Its moments are kept, with
/// every other connection's, by the replica's <see cref="TokenDeadlines"/>.
/// </summary>
public sealed class TokenLifetime : IDisposable
{
    /// <summary>When the <c>expiring</c> frame goes out, ahead of the expiry (the contract's 60 s).</summary>
    public static readonly TimeSpan WarnBefore = TimeSpan.FromSeconds(60);

    // Tokens valid this long or longer (the relay Edge's) are not timed at all.
    private static readonly TimeSpan Untimed = TimeSpan.FromDays(30);

    private readonly Lock _gate = new();
    private readonly TokenDeadlines _deadlines;
    private readonly ITokenLifetimeEvents _events;
    private AuthenticatedUser _user;
    private bool _warned;
    private bool _ended;

    // The deadlines' own bookkeeping of this lifetime (its moment, and its slot in their heap),
    // kept here so that a connection costs them no object of its own; touched under their lock only.
    internal long DeadlineTicks;
    internal int DeadlineSlot = -1;

    /// <param name="events">Told when the warning is due and when the token has expired.</param>
    public TokenLifetime(AuthenticatedUser user, TokenDeadlines deadlines, ITokenLifetimeEvents events)
    {
        _user = user;
        _deadlines = deadlines;
        _events = events;
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

    /// <summary>The warning's moment (now, when less than <see cref="WarnBefore"/> is left), unless the token is untimed.</summary>
    private void ScheduleLocked()
    {
        if (_ended || _user.ExpiresAt - _deadlines.UtcNow >= Untimed)
        {
            return;
        }
        _warned = false;
        _deadlines.Schedule(this, _user.ExpiresAt - WarnBefore);
    }

    /// <summary>
    /// Called by the deadlines at the moment set: the warning, then (the expiry set as the next
    /// moment) the end. A renewal in between starts over; a call for a moment a renewal has
    /// already moved finds it still ahead and does nothing.
    /// </summary>
    internal void DeadlineReached()
    {
        int? warnWithSecondsLeft = null;
        var expired = false;
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }
            var left = _user.ExpiresAt - _deadlines.UtcNow;
            if (!_warned)
            {
                if (left > WarnBefore)
                {
                    return; // renewed since this moment was taken off: the renewal set the next one
                }
                _warned = true;
                warnWithSecondsLeft = (int)Math.Max(0, Math.Round(left.TotalSeconds));
                _deadlines.Schedule(this, _user.ExpiresAt);
            }
            else if (left > TimeSpan.Zero)
            {
                return; // as above: the expiry this call was for has moved
            }
            else
            {
                expired = true;
            }
        }
        if (warnWithSecondsLeft is { } seconds)
        {
            _events.Expiring(seconds);
        }
        if (expired)
        {
            _events.Expired();
        }
    }

    /// <summary>Ends the clocks: the connection closed, and nothing is warned or ended any more.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _ended = true;
        }
        _deadlines.Cancel(this);
    }
}
