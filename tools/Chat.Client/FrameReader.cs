using System.Net.WebSockets;
using System.Text.Json;

namespace Chat.Client;

/// <summary>
/// Reads a socket's messages whole, in one buffer reused for every message (grown when a message
/// does not fit), and hands each over while it is still in that buffer: parsed as one JSON frame,
/// or as its UTF-8 bytes for a reader that parses only what it needs (the load generator).
/// </summary>
internal sealed class FrameReader(WebSocket socket)
{
    private const int InitialBufferBytes = 16 * 1024;

    // A server frame is a few kilobytes at most (PROTOCOL.md's limits); anything near this is a
    // server gone wrong, not a frame to buffer.
    private const int MaxFrameBytes = 16 * 1024 * 1024;

    private int _received;

    public int Received => Volatile.Read(ref _received);

    /// <summary>The server's close status; null when the connection dropped or <paramref name="stop"/> was asked.</summary>
    public Task<WebSocketCloseStatus?> ReadAllAsync(Action<JsonElement> onFrame, CancellationToken stop) =>
        ReadAllAsync(
            utf8 =>
            {
                using var frame = JsonDocument.Parse(utf8);
                onFrame(frame.RootElement);
            },
            stop);

    /// <summary>As above, each frame as its bytes, valid only during the call.</summary>
    public async Task<WebSocketCloseStatus?> ReadAllAsync(Action<ReadOnlyMemory<byte>> onFrame, CancellationToken stop)
    {
        var buffer = new byte[InitialBufferBytes];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= MaxFrameBytes)
                        {
                            throw new InvalidDataException($"A server frame is longer than {MaxFrameBytes} bytes.");
                        }
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return socket.CloseStatus;
                    }
                    length += result.Count;
                }
                while (!result.EndOfMessage);
                Interlocked.Increment(ref _received);
                onFrame(buffer.AsMemory(0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            return null;
        }
    }
}
