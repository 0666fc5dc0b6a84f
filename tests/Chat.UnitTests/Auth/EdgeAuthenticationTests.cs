using Chat.Edge.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.UnitTests.Auth;

public class EdgeAuthenticationTests
{
    [Fact]
    public async Task Only_endpoints_that_require_a_user_authenticate_and_they_require_one_of_the_bearer_scheme()
    {
        await using var services = new ServiceCollection().AddLogging().AddEdgeAuthentication().BuildServiceProvider();
        var schemes = services.GetRequiredService<IAuthenticationSchemeProvider>();
        var policy = await services.GetRequiredService<IAuthorizationPolicyProvider>().GetDefaultPolicyAsync();

        Assert.NotNull(await schemes.GetSchemeAsync(BearerAuthenticationHandler.SchemeName));
        // No default scheme: UseAuthentication checks no token; only the policy's scheme does.
        Assert.Null(await schemes.GetDefaultAuthenticateSchemeAsync());
        Assert.Equal([BearerAuthenticationHandler.SchemeName], policy.AuthenticationSchemes);
        Assert.IsType<DenyAnonymousAuthorizationRequirement>(Assert.Single(policy.Requirements));
    }
}
