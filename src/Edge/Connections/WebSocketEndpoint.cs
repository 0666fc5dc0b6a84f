using Chat.Contracts;
using Chat.Edge.Auth;
using Chat.Edge.Bus;
using Chat.Edge.Connections;
using Chat.Edge.Http;
using Chat.Edge.Presence;
using Chat.ServiceDefaults.Grpc;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Chat.Edge.Connections;

/// <summary>
/// <c>GET /ws</c>: its user is proven before anything else (401 without a valid token, 503 when
/// tokens cannot be checked: <see cref="Problems.TokenRefused"/>, as every <c>/api</c>
/// endpoint); the endpoint fixes where the connection's stream starts (the user's delivery mark,
/// or <c>?after</c>), then runs the connection: joined to the registry and the bus before its
/// catch-up, so no live message slips between catch-up and live delivery.
/// </summary>
/// <remarks>
/// The endpoint checks the token itself rather than through <c>RequireAuthorization</c>: the
/// authorization middleware stays suspended under the endpoint for the connection's life, and with
/// it the authentication result, ticket, principal and claims it made, about 2.2 KB of every idle
/// connection (docs/benchmarks.md); the connection needs only its <see cref="AuthenticatedUser"/>.
/// For the same reason it is a plain request delegate of one instance made at start, not a
/// minimal-API handler (whose wrapper's frame and request scope would live as long), and is
/// marked <see cref="LongLivedRequest"/>, so that the Edge's other async middlewares step aside.
/// </remarks>
public sealed partial class WebSocketEndpoint(
    IConnectionAuthenticator authenticator,
    ConnectionRegistry registry,
    IMessageBus bus,
    IPresence presence,
    ConnectionServices services,
    IOptions<RealtimeOptions> options,
    IOptions<ServiceCallOptions> calls,
    IHostApplicationLifetime lifetime,
    ILogger<ChatConnection> logger)
{
    public async Task HandleAsync(HttpContext http)
    {
        Admission admission;
        try
        {
            admission = await AdmitAsync(http);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            // The exception handler that answers every other request sits behind the step that
            // runs this endpoint (EdgeApplication.MapEdge), so its answer is given here.
            LogAdmissionFailed(logger, e);
            admission = Refuse(StatusCodes.Status500InternalServerError, "The connection could not be opened; try again.");
        }
        if (admission.Refusal is { } refusal)
        {
            await refusal.ExecuteAsync(http);
            return;
        }
        var (user, startAfter) = (admission.User!, admission.StartAfter!);

        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.Value.KeepAliveInterval,
            KeepAliveTimeout = options.Value.KeepAliveTimeout,
        });
        // Nothing reads the request's headers after the upgrade, and the connection may live for
        // hours: its bearer token (1 KB of string) need not live with it. Replaced, not removed:
        // Kestrel keeps a removed header's value for the connection's next request to reuse.
        http.Request.Headers.Authorization = StringValues.Empty;
        var connection = new ChatConnection(socket, user, startAfter, services);
        if (registry.Add(connection))
        {
            await SubscribeAsync(user.Username);
            await presence.ConnectedAsync(user.Username);
        }
        LogConnected(logger, user.Username, registry.ConnectionCount);
        services.Metrics.ConnectionOpened();
        try
        {
            await connection.RunAsync(http.RequestAborted);
        }
        finally
        {
            services.Metrics.ConnectionClosed();
            if (registry.Remove(connection))
            {
                await UnsubscribeAsync(user.Username);
                await presence.DisconnectedAsync(user.Username);
            }
            LogDisconnected(logger, user.Username);
        }
    }

    /// <summary>Who connects and where their stream starts, or why they may not (answered before any upgrade).</summary>
    private readonly record struct Admission(AuthenticatedUser? User, string? StartAfter, IResult? Refusal);

    private async Task<Admission> AdmitAsync(HttpContext http)
    {
        var check = await authenticator.AuthenticateAsync(http);
        if (check.User is not { } user)
        {
            return new(null, null, Problems.TokenRefused(check.Unavailable, http));
        }
        if (HttpProtocol.IsHttp10(http.Request.Protocol))
        {
            // An upgrade is HTTP/1.1's (RFC 9110 7.8); Kestrel would answer an HTTP/1.0 one with 101.
            return Refuse(StatusCodes.Status400BadRequest, "A WebSocket upgrade needs HTTP/1.1.");
        }
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return Refuse(StatusCodes.Status400BadRequest, "GET /ws expects a WebSocket upgrade.");
        }
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Kestrel listens until the end of the shutdown: a client answered 503 goes to another
            // replica now, instead of being upgraded only to be closed with 1001.
            return Refuse(StatusCodes.Status503ServiceUnavailable, "This replica is shutting down; connect again.");
        }
        // Checked as ChatService checks a cursor (before the upgrade: a refused sync later would
        // be a 1011 close), and written in the ids' fixed width, since ids compare as strings.
        var query = http.Request.Query["after"].ToString();
        if (!MessageId.TryParse(query, out var afterId))
        {
            return Refuse(StatusCodes.Status400BadRequest, $"`after` must be a message id (up to {MessageId.Width} digits).");
        }

        // Where the stream starts is fixed before the upgrade is answered and before the
        // connection can be queued anything: every message stored after the client sees 101
        // reaches it, whatever the user's other connections deliver meanwhile.
        var startAfter = query.Length > 0 ? MessageId.Format(afterId) : await ReadDeliveryMarkAsync(user.Username, http.RequestAborted);
        return startAfter is null
            ? new(null, null, Problems.ChatServiceUnavailable())
            : new(user, startAfter, null);
    }

    private static Admission Refuse(int status, string detail) => new(null, null, ServiceProblems.Problem(status, detail));

    /// <summary>
    /// The user's delivery mark ("" before their first message), or null when ChatService cannot
    /// tell within one call's time: the client is refused with 503 rather than kept waiting.
    /// </summary>
    private async Task<string?> ReadDeliveryMarkAsync(string user, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(calls.Value.CallTimeout);
        try
        {
            var page = await services.Inbox.SyncAsync(user, after: null, limit: 1, timeout.Token);
            return page.After;
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && timeout.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task SubscribeAsync(string user)
    {
        try
        {
            await bus.SubscribeAsync(user);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Degraded, not refused: the connection still gets what is stored, on connect and
            // whenever a later live message reveals a gap.
            LogBusUnavailable(logger, user, e.Message);
        }
    }

    private async Task UnsubscribeAsync(string user)
    {
        try
        {
            await bus.UnsubscribeAsync(user);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogBusUnavailable(logger, user, e.Message);
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "{User} connected ({Connections} connections on this replica)")]
    private static partial void LogConnected(ILogger logger, string user, int connections);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "{User} disconnected")]
    private static partial void LogDisconnected(ILogger logger, string user);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Message bus unavailable while (un)subscribing {User}: {Reason}")]
    private static partial void LogBusUnavailable(ILogger logger, string user, string reason);

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "A WebSocket upgrade failed before it was answered")]
    private static partial void LogAdmissionFailed(ILogger logger, Exception exception);
}
