using Microsoft.AspNetCore.Http.Features;

namespace Chat.Edge.Http;

/// <summary>
/// After routing, refuses with the contract's 404 every request whose path is not spelled the
/// way its route is (<see cref="CanonicalPath"/>): such a request never reaches an endpoint, so it
/// can neither create an account nor test a password past the gateway's limits.
/// </summary>
public static class CanonicalPathExtensions
{
    public static WebApplication UseCanonicalPaths(this WebApplication app)
    {
        // Not async: the next step's task is handed on, so a WebSocket, which stays in the
        // pipeline for hours, does not keep this step's frame alive as well.
        app.Use((http, next) =>
        {
            var rawTarget = http.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
            var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern;
            return CanonicalPath.IsCanonical(rawTarget, route)
                ? next(http)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found",
                    detail: "There is nothing at this path; paths are spelled exactly as documented (lower-case, no trailing slash).")
                    .ExecuteAsync(http);
        });
        return app;
    }
}
