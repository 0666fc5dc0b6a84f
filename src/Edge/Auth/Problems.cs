namespace Chat.Edge.Auth;

/// <summary>The problem+json answers that authentication gives.</summary>
public static class Problems
{
    /// <summary>
    /// A request whose token did not prove a user: 503 when UserService could not tell (the token
    /// may be valid), else 401. The one answer of <c>/ws</c> and of every <c>/api</c> endpoint.
    /// </summary>
    public static IResult TokenRefused(bool checkUnavailable, HttpContext http) =>
        checkUnavailable ? UserServiceUnavailable() : Unauthenticated(http);

    public static IResult Unauthenticated(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "A valid bearer token is required (Authorization: Bearer TOKEN).");
    }

    /// <summary>An authenticated user the endpoint's policy refuses (no policy refuses one today).</summary>
    public static IResult Forbidden() =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
            detail: "This token does not allow this request.");

    public static IResult UserServiceUnavailable() =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable",
            detail: "Tokens cannot be checked right now; try again shortly.");

    public static IResult ChatServiceUnavailable() =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable",
            detail: "Messages cannot be synced right now; try again shortly.");
}
