namespace Chat.Edge.Connections;

/// <summary>
/// Endpoint metadata: the endpoint keeps its request for a connection's life (<c>/ws</c>). An async
/// middleware that awaits such an endpoint stays suspended as long, and keeps what it made for the
/// request (its frame, a service scope, an authentication result): per idle connection, for
/// hours. The Edge runs those middlewares for the other requests only
/// (<see cref="LongLivedRequestExtensions.UseForShortRequests"/>).
/// </summary>
public sealed class LongLivedRequest
{
    public static readonly LongLivedRequest Instance = new();

    private LongLivedRequest()
    {
    }
}

public static class LongLivedRequestExtensions
{
    /// <summary>Marks the endpoint as one that keeps its request for a connection's life.</summary>
    public static TBuilder KeepsItsRequest<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(LongLivedRequest.Instance);

    /// <summary>
    /// Runs <paramref name="middlewares"/> for every request whose endpoint is not
    /// <see cref="LongLivedRequest"/> (requests without an endpoint included: their 404 and 405
    /// get the same error pages as before). After routing, which picks the endpoint. The branch
    /// is chosen without an async frame of its own.
    /// </summary>
    public static IApplicationBuilder UseForShortRequests(this IApplicationBuilder app, Action<IApplicationBuilder> middlewares) =>
        app.UseWhen(http => http.GetEndpoint()?.Metadata.GetMetadata<LongLivedRequest>() is null, middlewares);
}
