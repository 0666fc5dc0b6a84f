using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Auth;

/// <summary>
/// The Edge's one authentication scheme, <see cref="SchemeName"/>: a request's user is whoever the
/// registered <see cref="IConnectionAuthenticator"/> says its token proves (in the product, a bearer
/// token checked by UserService through <see cref="TokenValidator"/> and its caches). A refused
/// request gets the contract's answers: 401 with <c>WWW-Authenticate: Bearer</c> without a valid
/// token, and 503 when UserService cannot tell — never 401 then, since the token may be valid.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    IConnectionAuthenticator authenticator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var check = await authenticator.AuthenticateAsync(Context);
        if (check.User is { } user)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(UserClaims.ToPrincipal(user, Scheme.Name), Scheme.Name));
        }
        return check.Unavailable
            ? AuthenticateResult.Fail(new TokenCheckUnavailableException())
            : AuthenticateResult.Fail("No valid token: missing, malformed, expired, forged, or of an ended session.");
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // This request's outcome: computed once per request, so this is no second check.
        var outcome = await HandleAuthenticateOnceSafeAsync();
        await Problems.TokenRefused(outcome.Failure is TokenCheckUnavailableException, Context).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Forbidden().ExecuteAsync(Context);
}
