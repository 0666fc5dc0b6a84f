using Chat.Contracts;

namespace Chat.Edge.Http;

/// <summary>
/// The decoded path and every query name and value must be text a service can keep
/// (<see cref="StorableText"/>): a <c>%00</c> in a group id, a username or <c>?with=</c> is the
/// contract's 400 here, before any endpoint, rather than whatever a store makes of it.
/// JSON bodies are checked by the endpoints that read them, and by every service's own door.
/// </summary>
public static class StorableRequestTextExtensions
{
    public static WebApplication UseStorableRequestText(this WebApplication app)
    {
        // Not async, as UseCanonicalPaths: a WebSocket's request keeps no frame of this step.
        app.Use((http, next) => IsStorable(http.Request)
            ? next(http)
            : Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Request",
                detail: $"The path or query {StorableText.Rule}.").ExecuteAsync(http));
        return app;
    }

    private static bool IsStorable(HttpRequest request) =>
        StorableText.IsStorable(request.Path.Value)
        && request.Query.All(q => StorableText.IsStorable(q.Key) && q.Value.All(v => StorableText.IsStorable(v)));
}
