namespace Chat.Edge.Auth;

/// <summary>
/// Where a client's token is: the <c>Authorization: Bearer</c> header, or, on an endpoint that
/// allows it (<see cref="AccessTokenInQuery"/>: <c>/ws</c>, since browsers cannot set headers on a
/// WebSocket), the <c>access_token</c> query parameter.
/// </summary>
public static class BearerToken
{
    /// <summary>The token of a request to its endpoint, where that endpoint looks for one.</summary>
    public static string? From(HttpContext http) =>
        From(http.Request, allowQuery: http.GetEndpoint()?.Metadata.GetMetadata<AccessTokenInQuery>() is not null);

    public static string? From(HttpRequest request, bool allowQuery)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }
        return allowQuery ? request.Query["access_token"].ToString() : null;
    }
}
