using System.Net.WebSockets;

namespace Chat.Edge.Connections;

/// <summary>
/// Closes every WebSocket with 1001 (going away) as soon as the application starts stopping.
/// Kestrel's own stop waits for upgraded connections to end and would otherwise sit out the whole
/// shutdown timeout, then drop them without a close frame; clients that see 1001 know to
/// reconnect, and the replica they reach is one that Consul still lists.
/// </summary>
public sealed partial class CloseConnectionsOnStopping(
    ConnectionRegistry connections,
    IHostApplicationLifetime lifetime,
    ILogger<CloseConnectionsOnStopping> logger) : IHostedService
{
    private CancellationTokenRegistration _onStopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _onStopping = lifetime.ApplicationStopping.Register(CloseAll);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Connections accepted after ApplicationStopping (Kestrel still listens until its own stop) are closed too.
        CloseAll();
        return _onStopping.DisposeAsync().AsTask();
    }

    private void CloseAll()
    {
        var count = connections.CloseAll(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");
        LogClosing(logger, count);
    }

    [LoggerMessage(EventId = 870, Level = LogLevel.Information, Message = "Stopping: closing {Count} WebSockets with 1001")]
    private static partial void LogClosing(ILogger logger, int count);
}
