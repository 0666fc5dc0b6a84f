using System.Security.Claims;
using Chat.Edge.Auth;

namespace Chat.UnitTests.Auth;

public class UserClaimsTests
{
    [Fact]
    public void A_user_survives_the_principal_to_the_tick()
    {
        var user = new AuthenticatedUser("7f3c", "alice", new DateTime(2026, 12, 6, 13, 0, 0, DateTimeKind.Utc).AddTicks(1234567), "s-1");

        var principal = UserClaims.ToPrincipal(user, "Bearer");

        Assert.Equal(user, principal.ToAuthenticatedUser());
        Assert.Equal(DateTimeKind.Utc, principal.ToAuthenticatedUser().ExpiresAt.Kind);
        Assert.True(principal.Identity?.IsAuthenticated);
        Assert.Equal("Bearer", principal.Identity?.AuthenticationType);
        Assert.Equal("alice", principal.Identity?.Name);
    }

    [Fact]
    public void A_user_whose_token_never_expires_survives_too()
    {
        // bench/RelayEdge's users: their "tokens" expire at DateTime.MaxValue.
        var user = new AuthenticatedUser("bob", "bob", DateTime.MaxValue, "bob");

        Assert.Equal(user, UserClaims.ToPrincipal(user, "Bearer").ToAuthenticatedUser());
    }

    [Fact]
    public void A_principal_without_the_claims_is_no_user()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());

        Assert.Throws<InvalidOperationException>(() => anonymous.ToAuthenticatedUser());
    }
}
