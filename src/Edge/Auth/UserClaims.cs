using System.Globalization;
using System.Security.Claims;

namespace Chat.Edge.Auth;

/// <summary>
/// An <see cref="AuthenticatedUser"/> as the claims of a request's principal, and back: the
/// username is the identity's name, the user id its name identifier, beside the token's session
/// and expiry (which a WebSocket connection is timed and closed by).
/// </summary>
public static class UserClaims
{
    /// <summary>The session the token belongs to (OpenID Connect's name for it).</summary>
    public const string SessionId = "sid";

    /// <summary>When the token expires, to the tick (ISO 8601, round-trip form).</summary>
    public const string ExpiresAt = "chat:expires_at";

    public static ClaimsPrincipal ToPrincipal(AuthenticatedUser user, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id),
                new Claim(ClaimTypes.Name, user.Username),
                new Claim(SessionId, user.SessionId),
                new Claim(ExpiresAt, user.ExpiresAt.ToString("O", CultureInfo.InvariantCulture), ClaimValueTypes.DateTime),
            ],
            scheme));

    /// <summary>The user of a request to an endpoint that requires one (<c>.RequireAuthorization()</c>).</summary>
    public static AuthenticatedUser ToAuthenticatedUser(this ClaimsPrincipal principal)
    {
        var id = principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        var username = principal.FindFirst(ClaimTypes.Name)?.Value;
        var session = principal.FindFirst(SessionId)?.Value;
        var expires = principal.FindFirst(ExpiresAt)?.Value;
        if (id is null || username is null || session is null || expires is null)
        {
            throw new InvalidOperationException("The request has no authenticated user: its endpoint lacks RequireAuthorization().");
        }
        return new AuthenticatedUser(id, username, DateTime.Parse(expires, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), session);
    }
}
