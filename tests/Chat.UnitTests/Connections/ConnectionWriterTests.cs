using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using Chat.Edge.Bus;
using Chat.Edge.Connections;
using Chat.Edge.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Chat.UnitTests.Connections;

public sealed class ConnectionWriterTests : IDisposable
{
    // A bound on every wait, so a broken writer fails the test instead of hanging it.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly InMemoryWebSockets _sockets = new();
    private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly QueueDepth _queueDepth;
    private readonly EdgeMetrics _metrics;

    public ConnectionWriterTests()
    {
        var meters = _provider.GetRequiredService<IMeterFactory>();
        _queueDepth = new QueueDepth(meters);
        _metrics = new EdgeMetrics(meters);
    }

    public void Dispose()
    {
        _queueDepth.Dispose();
        _provider.Dispose();
        _sockets.Dispose();
    }

    private ConnectionWriter NewWriter(int queueLimit = 100) =>
        new(_sockets.Server, "amy", queueLimit, _metrics, NullLogger.Instance);

    private static byte[] Frame(string text) => Encoding.UTF8.GetBytes(text);

    private async Task<string?> ReceiveAsync() => await _sockets.ReceiveTextAsync().WaitAsync(Bound);

    [Fact]
    public async Task Frames_are_written_in_the_order_they_were_queued()
    {
        var writer = NewWriter(queueLimit: 1000);
        writer.Start(new ScriptedStream(writer));
        for (var i = 0; i < 300; i++)
        {
            writer.Enqueue(Frame($"frame {i}"), "answer");
        }
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal($"frame {i}", await ReceiveAsync());
        }
    }

    [Fact]
    public async Task The_first_pump_catches_up_before_anything_queued_is_written()
    {
        var writer = NewWriter();
        var stream = new ScriptedStream(writer, holdCatchUp: true);
        writer.Enqueue(Frame("queued before the start"), "answer");
        writer.Start(stream);
        await stream.CatchUpStarted.WaitAsync(Bound);
        writer.Enqueue(Frame("queued during the catch-up"), "answer");
        writer.Enqueue(BusEvent.ForTyping("bob", "amy", null));

        stream.ReleaseCatchUp("stored 1", "stored 2");

        Assert.Equal("stored 1", await ReceiveAsync());
        Assert.Equal("stored 2", await ReceiveAsync());
        Assert.Equal("queued before the start", await ReceiveAsync());
        Assert.Equal("queued during the catch-up", await ReceiveAsync());
        Assert.Contains("\"typing\"", await ReceiveAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_writer_holds_no_queue_and_no_pump_and_the_next_frame_starts_one()
    {
        var writer = NewWriter();
        writer.Start(new ScriptedStream(writer));
        writer.Enqueue(Frame("one"), "answer");
        writer.Enqueue(Frame("two"), "answer");
        Assert.Equal("one", await ReceiveAsync());
        Assert.Equal("two", await ReceiveAsync());

        await writer.LatestPump.WaitAsync(Bound); // it ends when it finds nothing left to write
        Assert.False(writer.HoldsQueue);
        Assert.Same(Task.CompletedTask, writer.LatestPump); // nor the ended pump's task
        Assert.Equal(0, _queueDepth.Value);

        var ended = writer.LatestPump;
        writer.Enqueue(Frame("three"), "answer");
        Assert.NotSame(ended, writer.LatestPump);
        Assert.Equal("three", await ReceiveAsync());
    }

    [Fact]
    public async Task A_close_requested_during_a_write_lets_that_write_finish_then_writes_the_close()
    {
        var writer = NewWriter();
        writer.Start(new ScriptedStream(writer));
        _sockets.ServerWrites.Hold();
        var large = new string('x', 20_000);
        writer.Enqueue(Frame(large), "answer");
        writer.Enqueue(Frame("queued behind it"), "answer");
        await _sockets.ServerWrites.WriteWaiting.WaitAsync(Bound);

        writer.RequestClose(WebSocketCloseStatus.PolicyViolation, "session ended");
        _sockets.ServerWrites.Release();

        Assert.Equal(large, await ReceiveAsync()); // whole: cancelling it would have aborted the socket
        Assert.Null(await ReceiveAsync()); // then the close, and nothing queued after the request
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, _sockets.Client.CloseStatus);
        Assert.Equal("session ended", _sockets.Client.CloseStatusDescription);
        await writer.CloseAsync().WaitAsync(Bound);
        Assert.NotEqual(WebSocketState.Aborted, _sockets.Server.State);
    }

    [Fact]
    public async Task A_full_queue_cuts_the_client_off_with_1008()
    {
        var writer = NewWriter(queueLimit: 3);
        var stream = new ScriptedStream(writer, holdCatchUp: true); // the pump is busy: nothing is written
        writer.Start(stream);
        for (var i = 0; i < 3; i++)
        {
            writer.Enqueue(Frame($"frame {i}"), "answer");
        }
        Assert.False(writer.IsClosing);

        writer.Enqueue(Frame("one too many"), "answer");

        Assert.True(writer.IsClosing);
        Assert.Null(await ReceiveAsync()); // the close first: what was queued is never written
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, _sockets.Client.CloseStatus);
        await writer.CloseAsync().WaitAsync(Bound);
        Assert.False(writer.HoldsQueue);
        Assert.Equal(0, _queueDepth.Value);
    }

    [Fact]
    public async Task A_full_queue_interrupts_a_write_the_client_does_not_take()
    {
        var writer = NewWriter(queueLimit: 2);
        writer.Start(new ScriptedStream(writer));
        _sockets.ServerWrites.Hold(); // never released: the client stopped reading
        writer.Enqueue(Frame("stuck"), "answer");
        await _sockets.ServerWrites.WriteWaiting.WaitAsync(Bound);
        writer.Enqueue(Frame("waiting 1"), "answer");
        writer.Enqueue(Frame("waiting 2"), "answer");

        writer.Enqueue(Frame("one too many"), "answer");

        await writer.CloseAsync().WaitAsync(Bound); // the pump ended although the write never went through
        Assert.Equal(WebSocketState.Aborted, _sockets.Server.State);
        await Assert.ThrowsAsync<WebSocketException>(ReceiveAsync);
        Assert.Equal(0, _queueDepth.Value);
    }

    [Fact]
    public async Task A_close_of_an_idle_writer_starts_a_pump_only_to_write_the_close()
    {
        var writer = NewWriter();
        var stream = new ScriptedStream(writer);
        writer.Start(stream);
        await writer.LatestPump.WaitAsync(Bound);

        writer.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");

        Assert.Null(await ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, _sockets.Client.CloseStatus);
        await writer.CloseAsync().WaitAsync(Bound);
        Assert.True(stream.ClosingCalled);
    }

    [Fact]
    public async Task The_first_close_request_wins_and_nothing_is_queued_after_it()
    {
        var writer = NewWriter();
        var stream = new ScriptedStream(writer, holdCatchUp: true);
        writer.Start(stream);

        writer.RequestClose(WebSocketCloseStatus.PolicyViolation, "token expired");
        writer.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");
        writer.Enqueue(Frame("too late"), "answer");

        Assert.Null(await ReceiveAsync()); // the held catch-up was cancelled by the close
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, _sockets.Client.CloseStatus);
        Assert.Equal("token expired", _sockets.Client.CloseStatusDescription);
        await writer.CloseAsync().WaitAsync(Bound);
        Assert.Equal(0, writer.Queued);
    }

    /// <summary>
    /// A message stream with a scripted catch-up: held until released, it then writes the given
    /// frames as if read from the store. Bus events are written as they come.
    /// </summary>
    private sealed class ScriptedStream(ConnectionWriter writer, bool holdCatchUp = false) : IMessageStream
    {
        private readonly TaskCompletionSource<string[]> _stored = NewStored(holdCatchUp);
        private readonly TaskCompletionSource _catchUpStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task CatchUpStarted => _catchUpStarted.Task;

        public bool ClosingCalled { get; private set; }

        public void ReleaseCatchUp(params string[] stored) => _stored.SetResult(stored);

        public async Task CatchUpOnConnectAsync(CancellationToken stop)
        {
            _catchUpStarted.TrySetResult();
            foreach (var frame in await _stored.Task.WaitAsync(stop))
            {
                await writer.WriteAsync(Frame(frame));
            }
        }

        public async Task WriteAsync(BusEvent item, CancellationToken stop) => await writer.WriteAsync(item.Frame);

        public void Closing() => ClosingCalled = true;

        private static TaskCompletionSource<string[]> NewStored(bool hold)
        {
            var stored = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!hold)
            {
                stored.SetResult([]);
            }
            return stored;
        }
    }

    /// <summary>The Edge's outgoing queue depth (<c>chat.websocket.outgoing_queue.frames</c>), as its meter reports it.</summary>
    private sealed class QueueDepth : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _value;

        public QueueDepth(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "chat.websocket.outgoing_queue.frames" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, change, _, _) => Interlocked.Add(ref _value, change));
            _listener.Start();
        }

        public long Value => Interlocked.Read(ref _value);

        public void Dispose() => _listener.Dispose();
    }
}
