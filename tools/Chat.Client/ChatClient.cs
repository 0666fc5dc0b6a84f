using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Chat.Client;

/// <summary>
/// A client of the chat WebSocket (<c>/ws</c>, docs/PROTOCOL.md), shared by the integration tests,
/// LoadGen and the benchmarks. A client reads in one of two ways, chosen by the first read:
/// <see cref="RunAsync"/> hands each frame to a callback while it still sits in the receive buffer
/// and keeps nothing (a load generator's hot path), while <see cref="ReceiveAsync"/> and the waits
/// built on it keep every frame in a queue, in order (a test's view). A client never read from is
/// a slow reader: the server's frames pile up in the socket.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    /// <summary>How long connecting, one send, and a wait for a frame or a close take at most when not told.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly FrameReader _reader;
    // One send at a time on a WebSocket: direct sends and the queue's pump take turns.
    private readonly SemaphoreSlim _sendTurn = new(1, 1);
    private readonly Channel<ReadOnlyMemory<byte>> _posted =
        Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private Channel<JsonElement>? _queue;
    private Task<WebSocketCloseStatus?>? _reading;
    private Task? _pump;
    // Frames posted to the queue and not yet sent by its pump (SendOrPost sends directly only at 0).
    private int _queued;

    private ChatClient(ClientWebSocket socket)
    {
        _socket = socket;
        _reader = new FrameReader(socket);
    }

    /// <summary>The socket itself, for what this class does not say (its state, a raw frame).</summary>
    public ClientWebSocket Socket => _socket;

    /// <summary>Frames read so far.</summary>
    public int Received => _reader.Received;

    /// <summary>The status the server closed with, once it closed.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>The reason the server gave with its close, once it closed.</summary>
    public string? CloseDescription => _socket.CloseStatusDescription;

    /// <summary>
    /// The WebSocket address of a server: <c>ws(s)://host/ws</c> with <c>?after=</c> (resume after
    /// a message id) or, for the relay Edge of the benchmarks, <c>?user=</c> (who to be, unauthenticated).
    /// </summary>
    public static Uri EndpointOf(Uri server, string? after = null, string? relayUser = null)
    {
        var scheme = server.Scheme is "https" or "wss" ? "wss" : "ws";
        var query = after is not null ? "?after=" + Uri.EscapeDataString(after)
            : relayUser is not null ? "?user=" + Uri.EscapeDataString(relayUser)
            : "";
        return new Uri($"{scheme}://{server.Authority}/ws{query}");
    }

    /// <summary>Opens a connection to <paramref name="server"/> (its HTTP or WebSocket address).</summary>
    /// <param name="token">The bearer token; null for none (the relay Edge, which takes <paramref name="relayUser"/>).</param>
    /// <param name="timeout">How long the upgrade may take; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    public static async Task<ChatClient> ConnectAsync(
        Uri server, string? token, string? after = null, string? relayUser = null, TimeSpan? timeout = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }
        try
        {
            using var limit = new CancellationTokenSource(timeout ?? DefaultTimeout);
            await socket.ConnectAsync(EndpointOf(server, after, relayUser), limit.Token);
            return new ChatClient(socket);
        }
        catch (WebSocketException e) when (socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new RefusedUpgradeException(status, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects as the contract tells clients to: a 503 (a dependency did not answer within the
    /// server's deadline) is tried again, up to <paramref name="attempts"/> times in all.
    /// </summary>
    public static async Task<ChatClient> ConnectRetryingUnavailableAsync(Uri server, string token, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ConnectAsync(server, token);
            }
            catch (RefusedUpgradeException e) when (attempt < attempts && e.Status == HttpStatusCode.ServiceUnavailable)
            {
                // Refused before the upgrade: nothing was opened, so nothing is left to clean up.
            }
        }
    }

    /// <summary>The HTTP status with which the server refuses an upgrade; throws if it accepts it.</summary>
    /// <param name="authorization">The whole Authorization header, exactly as sent (malformed ones included).</param>
    public static async Task<HttpStatusCode> RefusedStatusAsync(Uri endpoint, string? authorization = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (authorization is not null)
        {
            socket.Options.SetRequestHeader("Authorization", authorization);
        }
        try
        {
            using var limit = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(endpoint, limit.Token);
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
        socket.Abort();
        throw new InvalidOperationException($"{endpoint} accepted the upgrade it was expected to refuse");
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends <paramref name="frame"/> as JSON (its runtime type's properties).</summary>
    public Task SendJsonAsync<T>(T frame) => SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame));

    /// <summary>Sends one message and returns once the socket took it.</summary>
    public async Task SendAsync(byte[] payload, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        using var limit = new CancellationTokenSource(DefaultTimeout);
        await _sendTurn.WaitAsync(limit.Token);
        try
        {
            await _socket.SendAsync(payload, type, endOfMessage: true, limit.Token);
        }
        finally
        {
            _sendTurn.Release();
        }
    }

    /// <summary>
    /// Queues a text frame and returns at once; a pump sends the queue in order. A server that
    /// reads slowly delays the frames, not the caller (an open-loop sender's schedule). Frames
    /// still queued when the connection fails are dropped.
    /// </summary>
    public void Post(ReadOnlyMemory<byte> frame)
    {
        if (_pump is null)
        {
            lock (_gate)
            {
                _pump ??= Task.Run(PumpAsync);
            }
        }
        Interlocked.Increment(ref _queued);
        _posted.Writer.TryWrite(frame);
    }

    /// <summary>
    /// As <see cref="Post"/>, but when nothing posted before is still queued and no send is in
    /// progress, the frame is sent from the caller's thread: a send the kernel takes at once
    /// (nearly all of them) is then done before this returns, without waking the pump's thread.
    /// That wake-up cost the load generator about as much CPU as the send itself; the sends then
    /// cost the caller's thread its time instead (docs/loadgen.md, "The generator's own cost").
    /// </summary>
    public void SendOrPost(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _queued) == 0 && _sendTurn.Wait(0))
        {
            SendHoldingTurn(frame);
            return;
        }
        Post(frame);
    }

    /// <summary>Sends a frame with the send turn taken; the turn is given back once the socket took it.</summary>
    private void SendHoldingTurn(ReadOnlyMemory<byte> frame)
    {
        ValueTask sending;
        try
        {
            sending = _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
            _sendTurn.Release(); // the connection failed: the frame is dropped, as a queued one would be
            return;
        }
        if (sending.IsCompletedSuccessfully)
        {
            _sendTurn.Release();
            return;
        }
        _ = ReleaseTurnWhenSentAsync(sending);
    }

    private async Task ReleaseTurnWhenSentAsync(ValueTask sending)
    {
        try
        {
            await sending;
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection failed under the send: the frame is dropped, as a queued one would be.
        }
        finally
        {
            _sendTurn.Release();
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var frame in _posted.Reader.ReadAllAsync())
            {
                await _sendTurn.WaitAsync();
                try
                {
                    await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }
                finally
                {
                    // Counted down before the turn is given back: a post that then finds the turn
                    // free and nothing queued cannot overtake a frame of the queue.
                    Interlocked.Decrement(ref _queued);
                    _sendTurn.Release();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            _posted.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Reads until the server closes (its status), the connection drops or <paramref name="stop"/>
    /// (null), handing each frame to <paramref name="onFrame"/>. The element lives only during the
    /// call: nothing is copied or kept.
    /// </summary>
    public Task<WebSocketCloseStatus?> RunAsync(Action<JsonElement> onFrame, CancellationToken stop) =>
        StartRun(() => _reader.ReadAllAsync(onFrame, stop));

    /// <summary>
    /// As <see cref="RunAsync(Action{JsonElement}, CancellationToken)"/>, each frame as its UTF-8
    /// bytes (valid only during the call) for a reader that parses only what it needs.
    /// </summary>
    public Task<WebSocketCloseStatus?> RunUtf8Async(Action<ReadOnlyMemory<byte>> onFrame, CancellationToken stop) =>
        StartRun(() => _reader.ReadAllAsync(onFrame, stop));

    private Task<WebSocketCloseStatus?> StartRun(Func<Task<WebSocketCloseStatus?>> read)
    {
        lock (_gate)
        {
            if (_reading is not null)
            {
                throw new InvalidOperationException("This client is already being read.");
            }
            return _reading = read();
        }
    }

    /// <summary>
    /// Starts keeping frames in the queue that <see cref="ReceiveAsync"/> takes from (the first wait
    /// does it too). Until then, nothing reads: a slow reader.
    /// </summary>
    public void StartReading()
    {
        lock (_gate)
        {
            if (_queue is not null)
            {
                return;
            }
            if (_reading is not null)
            {
                throw new InvalidOperationException("This client's frames go to RunAsync's callback.");
            }
            var queue = Channel.CreateUnbounded<JsonElement>(new UnboundedChannelOptions { SingleWriter = true });
            _queue = queue;
            _reading = Task.Run(async () =>
            {
                try
                {
                    return await _reader.ReadAllAsync(frame => queue.Writer.TryWrite(frame.Clone()), CancellationToken.None);
                }
                finally
                {
                    queue.Writer.TryComplete();
                }
            });
        }
    }

    /// <summary>The next frame, or null when none arrives within <paramref name="wait"/> (or the connection ended).</summary>
    public async Task<JsonElement?> TryReceiveAsync(TimeSpan wait)
    {
        StartReading();
        using var limit = new CancellationTokenSource(wait);
        try
        {
            // Waiting on the queue, not on the socket: cancelling a socket read would abort it.
            return await _queue!.Reader.ReadAsync(limit.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>The next frame; throws <see cref="TimeoutException"/> when none arrives in time or the connection ends.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? wait = null)
    {
        var limit = wait ?? DefaultTimeout;
        return await TryReceiveAsync(limit)
            ?? throw new TimeoutException($"No frame arrived within {limit} (socket {_socket.State}, close {_socket.CloseStatus}).");
    }

    /// <summary>The next frame, which must be of this <c>type</c>.</summary>
    public async Task<JsonElement> ExpectAsync(string type, TimeSpan? wait = null)
    {
        var frame = await ReceiveAsync(wait);
        return ServerFrame.TypeOf(frame) == type
            ? frame
            : throw new UnexpectedFrameException($"Expected a {type} frame, got {frame}.");
    }

    /// <summary>
    /// The first frame that <paramref name="match"/> accepts, within <paramref name="wait"/> in
    /// all; the frames before it are taken and dropped.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan? wait = null)
    {
        var limit = wait ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        var skipped = 0;
        JsonElement? last = null;
        while (DateTime.UtcNow < deadline && await TryReceiveAsync(deadline - DateTime.UtcNow) is { } frame)
        {
            if (match(frame))
            {
                return frame;
            }
            skipped++;
            last = frame;
        }
        throw new TimeoutException(
            $"No matching frame within {limit}: {skipped} others (the last: {last?.ToString() ?? "none"}), socket {_socket.State}, close {_socket.CloseStatus}.");
    }

    /// <summary>Throws <see cref="UnexpectedFrameException"/> if a frame arrives within <paramref name="wait"/>.</summary>
    public async Task ExpectSilenceAsync(TimeSpan wait)
    {
        if (await TryReceiveAsync(wait) is { } frame)
        {
            throw new UnexpectedFrameException($"Expected no frame, got {frame}.");
        }
    }

    /// <summary>
    /// Reads (dropping frames) until the server closes; its close status, or null if the
    /// connection dropped without one. Throws <see cref="TimeoutException"/> if it stays open.
    /// </summary>
    public async Task<WebSocketCloseStatus?> ReceiveCloseAsync(TimeSpan? wait = null)
    {
        StartReading();
        var limit = wait ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (await TryReceiveAsync(deadline - DateTime.UtcNow) is null && _reading!.IsCompleted)
            {
                return await _reading;
            }
        }
        throw new TimeoutException($"The server did not close the connection within {limit} (socket {_socket.State}).");
    }

    /// <summary>
    /// Closes from this side with <paramref name="status"/> and waits for the server's close;
    /// returns the status the server closed with (null if the connection dropped instead).
    /// </summary>
    public async Task<WebSocketCloseStatus?> CloseAsync(
        WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string description = "", TimeSpan? wait = null)
    {
        using var limit = new CancellationTokenSource(wait ?? DefaultTimeout);
        if (_reading is null)
        {
            // Nobody reads: the socket's own close reads until the server's close arrives.
            await _socket.CloseAsync(status, description, limit.Token);
            return _socket.CloseStatus;
        }
        await _socket.CloseOutputAsync(status, description, limit.Token);
        return await _reading.WaitAsync(limit.Token);
    }

    /// <summary>Drops the connection at once, without a close.</summary>
    public void Abort()
    {
        _posted.Writer.TryComplete();
        _socket.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        _posted.Writer.TryComplete();
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", limit.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
        _sendTurn.Dispose();
    }
}
