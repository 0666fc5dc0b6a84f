using System.Net.WebSockets;
using Chat.Edge.Auth;
using Chat.Edge.Connections;
using Chat.Edge.Protocol;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// One replica's own connections, for presence built in the test process: a real
/// <see cref="ConnectionRegistry"/> (what presence asks "is this user still connected here?")
/// holding stand-in connections that never run.
/// </summary>
public sealed class LocalConnections
{
    // A connection that never runs reads none of these services; it needs them only to exist.
    private static readonly ConnectionServices NeverUsed = new(
        Options.Create(new RealtimeOptions()), new ClientFrameParser(), sender: null!, signals: null!, inbox: null!,
        deliveryMarks: null!, UnobservedMetrics.Edge(), authenticator: null!, TimeProvider.System, NullLoggerFactory.Instance);

    public ConnectionRegistry Registry { get; } = new();

    /// <summary>Registers a new connection of <paramref name="user"/>; <see cref="LocalConnection.First"/> when it is their first here.</summary>
    public LocalConnection Open(string user)
    {
        var connection = new ChatConnection(
            WebSocket.CreateFromStream(Stream.Null, new WebSocketCreationOptions { IsServer = true }),
            new AuthenticatedUser("0", user, DateTime.UtcNow.AddDays(1), "presence-test"),
            startAfter: "",
            NeverUsed);
        return new LocalConnection(user, connection, Registry.Add(connection));
    }

    /// <summary>Lets go of a connection; true when it was its user's last here.</summary>
    public bool Close(LocalConnection connection) => Registry.Remove(connection.Connection);
}

/// <param name="First">Whether it was its user's first connection on the replica when it opened.</param>
public sealed record LocalConnection(string User, ChatConnection Connection, bool First);
