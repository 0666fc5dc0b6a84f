using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Chat.LoadGen;

/// <summary>
/// One WebSocket of the load: a writer that sends what the scheduler queues (so a slow server
/// delays frames, it does not slow the schedule), and a reader that hands every frame to the
/// measurements.
/// </summary>
public sealed class Client(string user, ClientWebSocket socket)
{
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    public string User { get; } = user;

    /// <param name="token">The bearer token; null for a relay, which takes the user from <c>?user=</c>.</param>
    public static async Task<Client> ConnectAsync(Uri target, string user, string? token)
    {
        var socket = new ClientWebSocket();
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        }
        var scheme = target.Scheme == "https" ? "wss" : "ws";
        var query = token is null ? $"?user={Uri.EscapeDataString(user)}" : "";
        await socket.ConnectAsync(new Uri($"{scheme}://{target.Authority}/ws{query}"), CancellationToken.None);
        return new Client(user, socket);
    }

    public void Send(object frame) => _outgoing.Writer.TryWrite(JsonSerializer.SerializeToUtf8Bytes(frame));

    public Task RunAsync(Action<Client, JsonElement> onFrame, CancellationToken stop) =>
        Task.WhenAll(WriteAsync(stop), ReadAsync(onFrame, stop));

    private async Task WriteAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var frame in _outgoing.Reader.ReadAllAsync(stop))
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, true, stop);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    private async Task ReadAsync(Action<Client, JsonElement> onFrame, CancellationToken stop)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    length += result.Count;
                }
                while (!result.EndOfMessage);
                using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
                onFrame(this, document.RootElement);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    public void Abort() => socket.Abort();
}
