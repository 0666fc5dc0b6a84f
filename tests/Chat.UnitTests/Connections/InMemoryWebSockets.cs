using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;

namespace Chat.UnitTests.Connections;

/// <summary>
/// A server and a client WebSocket (the framework's own implementation) joined by two in-memory
/// pipes: no socket, no server. The server's writes can be held, as a client that stops reading
/// holds them, and the test is told when a write is waiting.
/// </summary>
internal sealed class InMemoryWebSockets : IDisposable
{
    public InMemoryWebSockets()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        ServerWrites = new WriteGate();
        Server = WebSocket.CreateFromStream(
            new DuplexStream(toServer.Reader.AsStream(), toClient.Writer.AsStream(), ServerWrites),
            new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        Client = WebSocket.CreateFromStream(
            new DuplexStream(toClient.Reader.AsStream(), toServer.Writer.AsStream(), gate: null),
            new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
    }

    public WebSocket Server { get; }

    public WebSocket Client { get; }

    /// <summary>The server's writing side: hold it to play a client that does not read.</summary>
    public WriteGate ServerWrites { get; }

    /// <summary>The client's next message, as text (a close comes back as null, its status in <see cref="WebSocket.CloseStatus"/>).</summary>
    public async Task<string?> ReceiveTextAsync()
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            var result = await Client.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }
        }
    }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }

    /// <summary>Holds writes while closed; tells when a write arrived at it.</summary>
    internal sealed class WriteGate
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource? _open;
        private TaskCompletionSource _waiting = NewSignal();

        /// <summary>Completes once a write waits at the closed gate.</summary>
        public Task WriteWaiting
        {
            get
            {
                lock (_lock)
                {
                    return _waiting.Task;
                }
            }
        }

        public void Hold()
        {
            lock (_lock)
            {
                _open = NewSignal();
                _waiting = NewSignal();
            }
        }

        public void Release()
        {
            lock (_lock)
            {
                _open?.TrySetResult();
                _open = null;
            }
        }

        public Task PassAsync(CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_open is not { } open)
                {
                    return Task.CompletedTask;
                }
                _waiting.TrySetResult();
                return open.Task.WaitAsync(cancellationToken);
            }
        }

        private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Reads from one pipe, writes to the other (through the gate, when there is one).</summary>
    private sealed class DuplexStream(Stream input, Stream output, WriteGate? gate) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            input.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (gate is not null)
            {
                await gate.PassAsync(cancellationToken);
            }
            await output.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

        public override void Flush() => output.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
                output.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
