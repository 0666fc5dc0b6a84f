using Chat.Edge.Auth;
using Chat.Edge.Connections;
using Microsoft.Extensions.Time.Testing;

namespace Chat.UnitTests.Connections;

public class TokenLifetimeTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly List<int> _warnings = [];
    private int _expiries;

    private AuthenticatedUser Token(TimeSpan validFor, string id = "u1") =>
        new(id, "ann", _clock.GetUtcNow().UtcDateTime + validFor, "session-" + id);

    private TokenLifetime Started(AuthenticatedUser user)
    {
        var lifetime = new TokenLifetime(user, _clock, _warnings.Add, () => _expiries++);
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
    public void A_disposed_lifetime_neither_warns_nor_expires()
    {
        var lifetime = Started(Token(TimeSpan.FromMinutes(2)));
        lifetime.Dispose();

        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_warnings);
        Assert.Equal(0, _expiries);
    }

    [Fact]
    public void A_renewal_that_arrives_after_the_connection_ended_is_ignored()
    {
        // The real clock, whose timers are the ones a connection has: once disposed, setting one
        // again must neither throw nor bring a warning.
        var lifetime = new TokenLifetime(Token(TimeSpan.FromMinutes(5)), TimeProvider.System, _warnings.Add, () => _expiries++);
        lifetime.Start();
        lifetime.Dispose();

        Assert.True(lifetime.Renew(Token(TimeSpan.FromMinutes(10))));
        Assert.Empty(_warnings);
    }
}
