namespace Chat.Edge.Connections;

/// <summary>
/// Endpoint metadata: the endpoint keeps its request for a connection's life (<c>/ws</c>). An async
/// middleware that awaits such an endpoint stays suspended as long, and keeps what it made for the
/// request (its frame, a service scope, an authentication result): per idle connection, for
/// hours. <see cref="LongLivedRequestExtensions.RunLongLivedRequests"/> runs these endpoints at
/// a chosen place in the pipeline, ahead of such middlewares.
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
    /// A request routed to a <see cref="LongLivedRequest"/> endpoint is answered here, and never
    /// reaches the middlewares added after this one; every other request goes on. After routing,
    /// which picks the endpoint. Not async: this step keeps no frame under the connection either.
    /// </summary>
    /// <remarks>
    /// What ASP.NET Core's <c>ShortCircuit()</c> does at routing, done after the middlewares
    /// that must still see such a request (the canonical path and storable text checks).
    /// </remarks>
    public static IApplicationBuilder RunLongLivedRequests(this IApplicationBuilder app) =>
        app.Use((http, next) =>
            http.GetEndpoint() is { RequestDelegate: { } endpoint } routed && routed.Metadata.GetMetadata<LongLivedRequest>() is not null
                ? endpoint(http)
                : next(http));
}
