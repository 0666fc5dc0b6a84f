using Chat.Edge.Auth;
using Chat.Edge.Connections;
using Microsoft.Extensions.Time.Testing;

namespace Chat.UnitTests.Connections;

public sealed class TokenLifetimeTests : ITokenLifetimeEvents, IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly TokenDeadlines _deadlines;
    private readonly List<int> _warnings = [];
    private int _expiries;

    public TokenLifetimeTests() => _deadlines = new TokenDeadlines(_clock);

    public void Dispose() => _deadlines.Dispose();

    void ITokenLifetimeEvents.Expiring(int secondsLeft) => _warnings.Add(secondsLeft);

    void ITokenLifetimeEvents.Expired() => _expiries++;

    private AuthenticatedUser Token(TimeSpan validFor, string id = "u1") =>
        new(id, "ann", _clock.GetUtcNow().UtcDateTime + validFor, "session-" + id);

    private TokenLifetime Started(AuthenticatedUser user)
    {
        var lifetime = new TokenLifetime(user, _deadlines, this);
        lifetime.Start();
        return lifetime;
    }

    [Fact]
    public void It_warns_a_minute_ahead_then_ends_the_connection_at_the_expiry()
    {
        using var lifetime = Started(Token(TimeSpan.FromMinutes(5)));

        _clock.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(1));
        Assert.Empty(_warnings);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([60], _warnings);
        Assert.Equal(0, _expiries);

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, _expiries);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _expiries);
        Assert.Equal([60], _warnings);
    }

    [Fact]
    public void A_token_with_less_than_a_minute_left_is_warned_at_once()
    {
        using var lifetime = Started(Token(TimeSpan.FromSeconds(20)));

        _clock.Advance(TimeSpan.Zero);
        Assert.Equal([20], _warnings);
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, _expiries);
    }

    [Fact]
    public void A_renewal_after_the_warning_moves_the_expiry_and_warns_again_before_the_new_one()
    {
        using var lifetime = Started(Token(TimeSpan.FromMinutes(2)));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([60], _warnings);

        Assert.True(lifetime.Renew(Token(TimeSpan.FromMinutes(10))));
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, _expiries);

        _clock.Advance(TimeSpan.FromMinutes(7));
        Assert.Equal([60, 60], _warnings);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, _expiries);
    }

    [Fact]
    public void A_renewal_before_the_warning_delays_it()
    {
        using var lifetime = Started(Token(TimeSpan.FromMinutes(3)));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(lifetime.Renew(Token(TimeSpan.FromMinutes(5))));

        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Empty(_warnings);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([60], _warnings);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, _expiries);
    }

    [Fact]
    public void Another_users_token_and_an_older_one_change_nothing()
    {
        using var lifetime = Started(Token(TimeSpan.FromMinutes(2)));

        Assert.False(lifetime.Renew(Token(TimeSpan.FromHours(1), id: "u2")));
        Assert.True(lifetime.Renew(Token(TimeSpan.FromMinutes(1))));
        Assert.Equal("session-u1", lifetime.SessionId);

        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([60], _warnings);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, _expiries);
    }

    [Fact]
    public void A_disposed_lifetime_neither_warns_nor_expires_and_leaves_the_deadlines()
    {
        var lifetime = Started(Token(TimeSpan.FromMinutes(2)));
        Assert.Equal(1, _deadlines.Count);
        lifetime.Dispose();

        Assert.Equal(0, _deadlines.Count);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_warnings);
        Assert.Equal(0, _expiries);
    }

    [Fact]
    public void An_untimed_token_takes_no_place_in_the_deadlines()
    {
        using var lifetime = Started(Token(TimeSpan.FromDays(365)));

        Assert.Equal(0, _deadlines.Count);
    }

    [Fact]
    public void A_renewal_that_arrives_after_the_connection_ended_is_ignored()
    {
        // The real clock, whose timer is the one the Edge has: once disposed, a renewal must
        // neither throw nor take a place in the deadlines again. The tokens are timed by that
        // clock too: by the fake one's they would have expired long ago, and the real timer would
        // warn at once, on a thread of its own, racing the assertions.
        using var deadlines = new TokenDeadlines(TimeProvider.System);
        var now = DateTime.UtcNow;
        var lifetime = new TokenLifetime(new("u1", "ann", now.AddMinutes(5), "session-u1"), deadlines, this);
        lifetime.Start();
        lifetime.Dispose();

        Assert.True(lifetime.Renew(new("u1", "ann", now.AddMinutes(10), "session-u1")));
        Assert.Equal(0, deadlines.Count);
        Assert.Empty(_warnings);
    }
}
