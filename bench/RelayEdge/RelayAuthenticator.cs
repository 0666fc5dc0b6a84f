using System.Text.RegularExpressions;
using Chat.Edge.Auth;

namespace Chat.RelayEdge;

/// <summary>The user is whoever <c>?user=</c> says (the Edge's Bearer scheme asks this for every request that needs a user).</summary>
public sealed partial class RelayAuthenticator : IConnectionAuthenticator
{
    public ValueTask<TokenCheck> AuthenticateAsync(HttpContext http) =>
        AuthenticateTokenAsync(http.Request.Query["user"].ToString(), http.RequestAborted);

    /// <summary>The "token" is the username here too.</summary>
    public ValueTask<TokenCheck> AuthenticateTokenAsync(string token, CancellationToken cancellationToken)
    {
        var user = token.ToLowerInvariant();
        return ValueTask.FromResult(Name().IsMatch(user)
            ? new TokenCheck(new AuthenticatedUser(user, user, DateTime.MaxValue, SessionId: user), Unavailable: false)
            : TokenCheck.Invalid);
    }

    [GeneratedRegex("^[a-z0-9_.-]{1,64}$")]
    private static partial Regex Name();
}
