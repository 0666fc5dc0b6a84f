using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Chat.Edge.Auth;

public static class EdgeAuthenticationExtensions
{
    /// <summary>
    /// The <see cref="BearerAuthenticationHandler"/> scheme and one authorization policy, the
    /// default: an authenticated user of that scheme, which an endpoint asks for with
    /// <c>.RequireAuthorization()</c>. Who a token proves is the message path's
    /// <see cref="IConnectionAuthenticator"/> (the product's, or bench/RelayEdge's).
    /// </summary>
    public static IServiceCollection AddEdgeAuthentication(this IServiceCollection services)
    {
        // ASP.NET Core makes a single scheme the default, and UseAuthentication then checks the
        // token of every request, to endpoints without a user too: a cache read or an RPC for
        // nothing, and POST /api/auth/logout would cache its token as valid just before ending
        // its session. Without a default, only endpoints whose policy names the scheme check one.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", isEnabled: true);
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, displayName: null, configureOptions: null);
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(BearerAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        return services;
    }
}
