namespace Chat.Edge.Auth;

/// <summary>Who is opening a WebSocket: from the bearer token in the product (bench/RelayEdge has its own).</summary>
public interface IConnectionAuthenticator
{
    ValueTask<TokenCheck> AuthenticateAsync(HttpContext http);

    /// <summary>A token presented on an open connection (the <c>auth</c> frame).</summary>
    ValueTask<TokenCheck> AuthenticateTokenAsync(string token, CancellationToken cancellationToken);
}

/// <summary>The real thing: the bearer token (header, or <c>access_token</c> for browsers), checked by UserService.</summary>
public sealed class TokenAuthenticator(TokenValidator tokens) : IConnectionAuthenticator
{
    public ValueTask<TokenCheck> AuthenticateAsync(HttpContext http) =>
        tokens.ValidateAsync(BearerToken.From(http.Request, allowQuery: true), http.RequestAborted);

    public ValueTask<TokenCheck> AuthenticateTokenAsync(string token, CancellationToken cancellationToken) =>
        tokens.ValidateAsync(token, cancellationToken);
}
