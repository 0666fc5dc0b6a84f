using System.Text.RegularExpressions;
using Chat.Edge.Authentication;

namespace Chat.RelayEdge;

/// <summary>The user is whoever <c>?user=</c> says.</summary>
public sealed partial class RelayAuthenticator : IConnectionAuthenticator
{
    public ValueTask<TokenCheck> AuthenticateAsync(HttpContext http)
    {
        var user = http.Request.Query["user"].ToString().ToLowerInvariant();
        return ValueTask.FromResult(Name().IsMatch(user)
            ? new TokenCheck(new AuthenticatedUser(user, user, DateTime.MaxValue, SessionId: user), Unavailable: false)
            : TokenCheck.Invalid);
    }

    [GeneratedRegex("^[a-z0-9_.-]{1,64}$")]
    private static partial Regex Name();
}
