using System.Buffers;
using System.Net.WebSockets;
using System.Text.Unicode;

namespace Chat.Edge.Connections;

/// <summary>
/// Reads a connection's frames, one whole frame at a time, into the dispatcher, until the client
/// closes. Waiting for a frame holds no buffer (a zero-byte read); a frame is assembled in a
/// pooled buffer. A frame over the size limit closes with 1009, text that is not UTF-8 with
/// 1007; once a close is requested, whatever still comes is read and dropped until the client's
/// close (or the handshake's time is up), so the client gets to read our close.
/// </summary>
public sealed class FrameReader
{
    private const int FirstBufferBytes = 4096;

    private readonly WebSocket _socket;
    private readonly int _maxFrameBytes;
    private readonly FrameDispatcher _dispatcher;
    private readonly ConnectionWriter _writer;

    public FrameReader(WebSocket socket, int maxFrameBytes, FrameDispatcher dispatcher, ConnectionWriter writer)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        _dispatcher = dispatcher;
        _writer = writer;
    }

    /// <summary>Reads until the client's close; throws what the socket throws (the client left, or broke the protocol).</summary>
    public async Task ReadUntilClosedAsync(CancellationToken aborted)
    {
        while (true)
        {
            // A zero-byte read waits for the next frame without holding a buffer, so an idle
            // connection costs no receive buffer at all.
            var first = await _socket.ReceiveAsync(Memory<byte>.Empty, aborted);
            if (first.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
            var buffer = ArrayPool<byte>.Shared.Rent(FirstBufferBytes);
            try
            {
                var length = 0;
                var result = first;
                while (!result.EndOfMessage)
                {
                    if (length == buffer.Length)
                    {
                        buffer = Grow(buffer, length);
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), aborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    length += result.Count;
                    if (length > _maxFrameBytes)
                    {
                        _writer.RequestClose(WebSocketCloseStatus.MessageTooBig, $"frames are limited to {_maxFrameBytes} bytes");
                        await DrainUntilClosedAsync(aborted);
                        return;
                    }
                }
                var frame = buffer.AsMemory(0, length);
                if (first.MessageType == WebSocketMessageType.Text && !Utf8.IsValid(frame.Span))
                {
                    _writer.RequestClose(WebSocketCloseStatus.InvalidPayloadData, "frames must be valid UTF-8");
                    await DrainUntilClosedAsync(aborted);
                    return;
                }
                await _dispatcher.DispatchAsync(first.MessageType, frame, aborted);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (_writer.IsClosing)
            {
                await DrainUntilClosedAsync(aborted);
                return;
            }
        }
    }

    private byte[] Grow(byte[] buffer, int length)
    {
        // One byte over the limit is enough to know a frame is too large.
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _maxFrameBytes + 1));
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>After a close was requested: wait for the client's close, discarding what comes.</summary>
    private async Task DrainUntilClosedAsync(CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(ConnectionWriter.CloseHandshakeTimeout * 2);
        var scratch = ArrayPool<byte>.Shared.Rent(FirstBufferBytes);
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(scratch.AsMemory(), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
