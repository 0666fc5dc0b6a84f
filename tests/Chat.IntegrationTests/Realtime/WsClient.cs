using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Realtime;

/// <summary>A real WebSocket client of the Edge, as a test drives it.</summary>
public sealed class WsClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private Task<WebSocketCloseStatus?>? _reading;

    private WsClient(ClientWebSocket socket) => _socket = socket;

    public ClientWebSocket Socket => _socket;

    public static async Task<WsClient> ConnectAsync(ServiceProcess edge, string token, string? after = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        var uri = new Uri($"ws://{edge.Address.Authority}/ws{(after is null ? "" : "?after=" + Uri.EscapeDataString(after))}");
        using var timeout = new CancellationTokenSource(DefaultWait);
        await socket.ConnectAsync(uri, timeout.Token);
        return new WsClient(socket);
    }

    /// <summary>
    /// Connects as the contract tells clients to: a 503 (a dependency did not answer within the
    /// Edge's call deadline) is tried again, a few times. For setups on a deliberately short
    /// deadline, where a cold or starved ChatService's first answer may take longer.
    /// </summary>
    public static async Task<WsClient> ConnectRetryingUnavailableAsync(ServiceProcess edge, string token, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ConnectAsync(edge, token);
            }
            catch (WebSocketException e) when (attempt < attempts && e.Message.Contains("'503'", StringComparison.Ordinal))
            {
                // Refused before the upgrade: nothing was opened, so nothing is left to clean up.
            }
        }
    }

    /// <summary>The HTTP status of a refused upgrade.</summary>
    public static async Task<HttpStatusCode> RefusedStatusAsync(Uri uri, string? authorization = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (authorization is not null)
        {
            socket.Options.SetRequestHeader("Authorization", authorization);
        }
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        return socket.HttpStatusCode;
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] payload, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(DefaultWait);
        await _socket.SendAsync(payload, type, endOfMessage: true, timeout.Token);
    }

    public Task SendJsonAsync(object frame) => SendTextAsync(JsonSerializer.Serialize(frame));

    /// <summary>The next frame, parsed; fails the test when none comes in time or the socket closes.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? wait = null)
    {
        var frame = await TryReceiveAsync(wait ?? DefaultWait);
        Assert.True(frame.HasValue, $"no frame arrived (socket {_socket.State}, close {_socket.CloseStatus})");
        return frame.Value;
    }

    /// <summary>The next frame, which must be of this type.</summary>
    public async Task<JsonElement> ExpectAsync(string type, TimeSpan? wait = null)
    {
        var frame = await ReceiveAsync(wait);
        Assert.True(frame.GetProperty("type").GetString() == type, $"expected a {type} frame, got {frame}");
        return frame;
    }

    /// <summary>Null when nothing arrives within <paramref name="wait"/> (or the socket closed).</summary>
    public async Task<JsonElement?> TryReceiveAsync(TimeSpan wait)
    {
        StartReading();
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            // Waiting on the queue, not on the socket: cancelling a socket read would abort it.
            return await _frames.Reader.ReadAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>The reason the server gave with its close, once it closed.</summary>
    public string? CloseDescription => _socket.CloseStatusDescription;

    /// <summary>Reads until the server closes; returns the close status (null if the connection was dropped).</summary>
    public async Task<WebSocketCloseStatus?> ReceiveCloseAsync(TimeSpan? wait = null)
    {
        StartReading();
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        while (DateTime.UtcNow < deadline)
        {
            var frame = await TryReceiveAsync(deadline - DateTime.UtcNow);
            if (frame is null && _reading!.IsCompleted)
            {
                return await _reading;
            }
        }
        Assert.Fail($"the server did not close the connection (socket {_socket.State})");
        return null;
    }

    /// <summary>
    /// Starts the background reader (done on the first receive). A client that never calls this
    /// never reads: the slow reader of the tests.
    /// </summary>
    public void StartReading() => _reading ??= Task.Run(ReadLoopAsync);

    private async Task<WebSocketCloseStatus?> ReadLoopAsync()
    {
        var buffer = new byte[128 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return _socket.CloseStatus;
                }
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    Received++;
                    _frames.Writer.TryWrite(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                    message.SetLength(0);
                }
            }
        }
        catch (WebSocketException)
        {
            return null;
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    /// <summary>Frames read so far.</summary>
    public int Received { get; private set; }

    /// <summary>No frame arrives within <paramref name="wait"/>.</summary>
    public async Task ExpectSilenceAsync(TimeSpan wait)
    {
        var frame = await TryReceiveAsync(wait);
        Assert.False(frame.HasValue, $"expected no frame, got {frame}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
    }
}
