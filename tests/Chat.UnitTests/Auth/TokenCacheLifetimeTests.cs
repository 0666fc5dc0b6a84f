using Chat.Edge.Auth;

namespace Chat.UnitTests.Auth;

/// <summary>How long the Edge keeps a token's verdict: never past the token, briefly for an ended session.</summary>
public sealed class TokenCacheLifetimeTests
{
    [Fact]
    public void A_valid_token_is_cached_until_shortly_before_it_expires_and_never_after()
    {
        var now = new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
        TokenCheck Valid(TimeSpan left) => new(new AuthenticatedUser("1", "alice", now + left, "s-1"), Unavailable: false);

        Assert.Equal(TimeSpan.FromSeconds(3), TokenValidator.CacheLifetime(Valid(TimeSpan.FromSeconds(8)), now)); // ends 5 s before the token
        Assert.Equal(TimeSpan.FromSeconds(5), TokenValidator.CacheLifetime(Valid(TimeSpan.FromHours(1)), now)); // an ended session works 5 s at most
        Assert.True(TokenValidator.CacheLifetime(Valid(TimeSpan.FromSeconds(2)), now) <= TimeSpan.Zero); // too close: not cached
        Assert.True(TokenValidator.CacheLifetime(Valid(-TimeSpan.FromSeconds(1)), now) <= TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(30), TokenValidator.CacheLifetime(TokenCheck.Invalid, now));
    }
}
