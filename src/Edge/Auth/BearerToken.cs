namespace Chat.Edge.Auth;

/// <summary>Where a client's token is: the Authorization header, or (browsers) ?access_token=.</summary>
public static class BearerToken
{
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
