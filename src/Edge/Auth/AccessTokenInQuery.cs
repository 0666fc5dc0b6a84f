namespace Chat.Edge.Auth;

/// <summary>
/// Endpoint metadata: this endpoint also takes its token from <c>?access_token=</c> (PROTOCOL.md:
/// for browsers, on <c>/ws</c>). Elsewhere a token in the query is not looked at: URLs end up in
/// logs and histories.
/// </summary>
public sealed class AccessTokenInQuery
{
    public static readonly AccessTokenInQuery Instance = new();

    private AccessTokenInQuery()
    {
    }
}

public static class AccessTokenInQueryExtensions
{
    /// <summary>Lets the endpoint's clients send their token as <c>?access_token=</c>.</summary>
    public static TBuilder AllowAccessTokenInQuery<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(AccessTokenInQuery.Instance);
}
