namespace Chat.Edge.Auth;

/// <summary>
/// Who a client is: from the token of a request (asked by the <c>/ws</c> endpoint, and by
/// <see cref="BearerAuthenticationHandler"/> for every <c>/api</c> endpoint that requires a user)
/// and from a token presented on an open connection (the <c>auth</c> frame). The product's checks
/// bearer tokens; bench/RelayEdge has its own.
/// </summary>
public interface IConnectionAuthenticator
{
    /// <summary>The user a request's token proves, read where its endpoint looks (<see cref="BearerToken"/>).</summary>
    ValueTask<TokenCheck> AuthenticateAsync(HttpContext http);

    /// <summary>A token presented on an open connection (the <c>auth</c> frame).</summary>
    ValueTask<TokenCheck> AuthenticateTokenAsync(string token, CancellationToken cancellationToken);
}

/// <summary>The real thing: the bearer token (header, or <c>access_token</c> for browsers on <c>/ws</c>), checked by UserService.</summary>
public sealed class TokenAuthenticator(TokenValidator tokens) : IConnectionAuthenticator
{
    public ValueTask<TokenCheck> AuthenticateAsync(HttpContext http) =>
        tokens.ValidateAsync(BearerToken.From(http), http.RequestAborted);

    public ValueTask<TokenCheck> AuthenticateTokenAsync(string token, CancellationToken cancellationToken) =>
        tokens.ValidateAsync(token, cancellationToken);
}
