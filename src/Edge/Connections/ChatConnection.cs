using System.Diagnostics;
using System.Net.WebSockets;
using Chat.Edge.Auth;
using Chat.Edge.Bus;
using Chat.Edge.Protocol;

namespace Chat.Edge.Connections;

/// <summary>
/// One client's WebSocket, from the upgrade to the close: whose it is, how long its token lets it
/// live, and its parts. The <see cref="FrameReader"/> takes frames in and hands them to the
/// <see cref="FrameDispatcher"/>; the <see cref="ConnectionWriter"/> is the only writer, and its
/// pump has the <see cref="MessageStream"/> catch up on what the user missed before it writes
/// anything queued. Both loops run without a current activity: each message on the connection is
/// a trace of its own (<see cref="Observability.EdgeActivities"/>), not a child of the hours-long
/// <c>/ws</c> request.
/// </summary>
public sealed class ChatConnection : ITokenLifetimeEvents
{
    private readonly WebSocket _socket;
    private readonly ILogger _logger;
    private readonly TokenLifetime _lifetime;
    private readonly ConnectionWriter _writer;
    private readonly MessageStream _stream;
    private readonly FrameReader _reader;

    /// <param name="startAfter">
    /// Where this connection's stream starts: the client's <c>?after</c>, or the user's delivery
    /// mark read before the connection joined the registry and the bus ("" before any message).
    /// </param>
    public ChatConnection(WebSocket socket, AuthenticatedUser user, string startAfter, ConnectionServices services)
    {
        _socket = socket;
        _logger = services.Logger;
        User = user.Username;
        _writer = new ConnectionWriter(socket, User, services.Options.OutgoingQueueLimit, services.Metrics, services.Logger);
        _stream = new MessageStream(_writer, User, startAfter, services);
        _lifetime = new TokenLifetime(user, services.Deadlines, this);
        _reader = new FrameReader(socket, services.Options.MaxFrameBytes, new FrameDispatcher(User, _lifetime, _writer, services), _writer);
    }

    /// <summary>The user's lower-case username.</summary>
    public string User { get; }

    /// <summary>The session of the token the connection lives on: its end closes the connection.</summary>
    public string SessionId => _lifetime.SessionId;

    /// <summary>Closes the connection because its session ended (logout, revocation, password change, reuse).</summary>
    public void CloseForEndedSession() => RequestClose(WebSocketCloseStatus.PolicyViolation, "session ended");

    /// <summary>A bus event for this user, written after everything queued before it.</summary>
    public void Enqueue(BusEvent busEvent)
    {
        if (busEvent.Kind == BusEventKind.CatchUp)
        {
            RequestCatchUp();
            return;
        }
        _writer.Enqueue(busEvent);
    }

    /// <inheritdoc cref="MessageStream.RequestCatchUp"/>
    public void RequestCatchUp() => _stream.RequestCatchUp();

    /// <summary>
    /// Asks the connection to close with this status once the write in progress is done. The
    /// first request wins; the reader keeps reading until the client answers the close (or the
    /// handshake times out).
    /// </summary>
    public void RequestClose(WebSocketCloseStatus status, string description) => _writer.RequestClose(status, description);

    void ITokenLifetimeEvents.Expiring(int secondsLeft) => _writer.Enqueue(ServerFrames.Expiring(secondsLeft), "expiring");

    void ITokenLifetimeEvents.Expired() => _writer.RequestClose(WebSocketCloseStatus.PolicyViolation, "token expired");

    /// <summary>Runs the connection until it closes; never throws for anything the client did.</summary>
    public async Task RunAsync(CancellationToken aborted)
    {
        Activity.Current = null;
        _writer.Start(_stream);
        _lifetime.Start();
        var closeWrittenByFramework = false;
        try
        {
            await _reader.ReadUntilClosedAsync(aborted);
        }
        catch (WebSocketException e) when (e.WebSocketErrorCode == WebSocketError.Faulted)
        {
            // The client broke the protocol (invalid UTF-8, an unmasked or malformed frame): the
            // framework has already written its close (1007 or 1002) and given up the socket.
            ConnectionLog.Dropped(_logger, User, e.Message);
            closeWrittenByFramework = true;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            ConnectionLog.Dropped(_logger, User, e.Message);
        }
        finally
        {
            await _writer.CloseAsync();
            if (closeWrittenByFramework)
            {
                await LingerAsync(aborted);
            }
            _socket.Abort();
            _lifetime.Dispose();
        }
    }

    /// <summary>
    /// Waits until the client drops the connection, or the close handshake's time is up. The
    /// written close may still be in the server's output buffers, and aborting the socket now
    /// would discard it: the client would see a reset instead of the close code.
    /// </summary>
    private static async Task LingerAsync(CancellationToken aborted)
    {
        try
        {
            await Task.Delay(ConnectionWriter.CloseHandshakeTimeout, aborted);
        }
        catch (OperationCanceledException)
        {
            // The client is gone: nothing is left to wait for.
        }
    }
}
