using System.Diagnostics;
using System.Net.WebSockets;
using Chat.Edge.Bus;
using Chat.Edge.Observability;

namespace Chat.Edge.Connections;

/// <summary>
/// The only writer of one WebSocket: a bounded queue and a pump that empties it, then the close.
/// A client that does not read fills the queue and is cut off with 1008; nothing buffers without
/// bound. The pump runs only while there is something to write: an idle connection holds no
/// queue and no waiting task (most connections are idle, and each byte is paid per connection;
/// docs/benchmarks.md). The pump runs without a current activity: each message on the connection
/// is a trace of its own, not a child of whichever send happened to start the pump.
/// <para>
/// A close never cancels a write in progress: cancelling a WebSocket write aborts the socket, and
/// the close frame behind it would be lost (the client would see a reset). The write finishes,
/// then the pump writes the close. Only a slow-reader cut interrupts a write.
/// </para>
/// </summary>
public sealed class ConnectionWriter
{
    /// <summary>How long the close may take to write, and the client to answer it.</summary>
    public static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly string _user;
    private readonly int _queueLimit;
    private readonly EdgeMetrics _metrics;
    private readonly ILogger _logger;

    // Cancelled by the first close request: ends whatever the pump awaits other than a write.
    private readonly CancellationTokenSource _pumpStop = new();

    // Cancelled by a slow-reader cut only: the one thing that interrupts a write.
    private readonly CancellationTokenSource _writeCut = new();

    // The queue and the pump's state, under _gate. _queue is null while empty. _pumping: a pump
    // task owns the socket's writing side; once a close is requested it stays set, so the pump
    // that holds it is the one that writes the close.
    private readonly Lock _gate = new();
    private Queue<Outgoing>? _queue;

    // Set from the start: the first pump, which Start runs, catches up before it writes anything
    // queued meanwhile (the connection is in the registry, and gets events, before it runs).
    private bool _pumping = true;
    private Task _pump = Task.CompletedTask;
    private IMessageStream? _stream;
    private int _closeRequested;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeDescription = "";

    /// <param name="user">Whose connection, for the logs.</param>
    /// <param name="queueLimit">Frames that may wait before the client is cut off as too slow.</param>
    public ConnectionWriter(WebSocket socket, string user, int queueLimit, EdgeMetrics metrics, ILogger logger)
    {
        _socket = socket;
        _user = user;
        _queueLimit = queueLimit;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>True once a close was requested: nothing more is queued.</summary>
    public bool IsClosing => Volatile.Read(ref _closeRequested) == 1;

    /// <summary>Frames and events waiting to be written.</summary>
    internal int Queued
    {
        get
        {
            lock (_gate)
            {
                return _queue?.Count ?? 0;
            }
        }
    }

    /// <summary>True while a queue exists (it is dropped whenever it empties).</summary>
    internal bool HoldsQueue
    {
        get
        {
            lock (_gate)
            {
                return _queue is not null;
            }
        }
    }

    /// <summary>The pump running or the last one that closed; a completed task while none runs.</summary>
    internal Task LatestPump
    {
        get
        {
            lock (_gate)
            {
                return _pump;
            }
        }
    }

    /// <summary>
    /// Starts the first pump: it has <paramref name="stream"/> catch up, then writes what was
    /// queued meanwhile. Nothing is written before this.
    /// </summary>
    public void Start(IMessageStream stream)
    {
        lock (_gate)
        {
            _stream = stream;
            StartPumpLocked(catchUpFirst: true);
        }
    }

    /// <summary>A ready frame, written after everything queued before it.</summary>
    /// <param name="type">The frame's type, for the frame counter: sent, answer, error, expiring.</param>
    public void Enqueue(byte[] frame, string type) => Enqueue(new Outgoing(frame, null, type));

    /// <summary>A bus event, handed to the stream in its turn after everything queued before it.</summary>
    public void Enqueue(BusEvent item) => Enqueue(new Outgoing(null, item, null));

    /// <summary>
    /// Asks the pump to finish the write in progress and close the socket with this status. The
    /// first request wins.
    /// </summary>
    public void RequestClose(WebSocketCloseStatus status, string description) => RequestClose(status, description, cutWrite: false);

    /// <summary>
    /// Ends writing: asks for a normal close (unless another came first), waits for the pump to
    /// write it, and drops what was still queued.
    /// </summary>
    public async Task CloseAsync()
    {
        RequestClose(WebSocketCloseStatus.NormalClosure, "");
        Task closing;
        lock (_gate)
        {
            closing = _pump; // the last pump started is the one that closes
        }
        await closing;
        DiscardQueue();
    }

    /// <summary>Writes one frame now. For the stream, from within the pump only.</summary>
    public ValueTask WriteAsync(byte[] frame) =>
        _socket.SendAsync(frame.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, _writeCut.Token);

    private void RequestClose(WebSocketCloseStatus status, string description, bool cutWrite)
    {
        var first = false;
        lock (_gate)
        {
            if (_closeRequested == 0)
            {
                first = true;
                // The status first: a pump that sees the request (TakeNext, under this lock) sends it.
                _closeStatus = status;
                _closeDescription = description;
                Volatile.Write(ref _closeRequested, 1);
                if (!_pumping)
                {
                    StartPumpLocked(catchUpFirst: false); // nothing was being written: a pump only to close
                }
            }
        }
        if (first)
        {
            _pumpStop.Cancel(); // outside the lock: it runs the callbacks of whatever the pump awaits
        }
        if (cutWrite)
        {
            // After the pump's token, so the cancelled write ends the pump as a close; and even
            // when another close came first: that close waits behind the stuck write.
            _writeCut.Cancel();
        }
    }

    private void Enqueue(Outgoing outgoing)
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _closeRequested) == 1)
            {
                return; // closing: nothing more is written
            }
            _queue ??= new Queue<Outgoing>();
            if (_queue.Count < _queueLimit)
            {
                _queue.Enqueue(outgoing);
                _metrics.FrameQueued();
                if (!_pumping)
                {
                    StartPumpLocked(catchUpFirst: false);
                }
                return;
            }
        }
        ConnectionLog.SlowReader(_logger, _user, _queueLimit);
        _metrics.SlowReaderCut();
        RequestClose(WebSocketCloseStatus.PolicyViolation, "too slow: the outgoing queue is full", cutWrite: true);
    }

    /// <summary>What was still queued when the connection closed is never written: uncounted from the queue depth.</summary>
    private void DiscardQueue()
    {
        lock (_gate)
        {
            for (var left = _queue?.Count ?? 0; left > 0; left--)
            {
                _metrics.FrameDequeued();
            }
            _queue = null;
        }
    }

    private void StartPumpLocked(bool catchUpFirst)
    {
        _pumping = true;
        _pump = Task.Run(() => PumpAsync(catchUpFirst));
    }

    /// <summary>
    /// The pump's next step: the oldest queued item; or, when the queue is empty, either the end
    /// of this pump (released; the next Enqueue starts another) or, once a close was requested,
    /// the close, which this pump sends since it keeps the writing side.
    /// </summary>
    private PumpStep TakeNext(out Outgoing next)
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _closeRequested) == 1)
            {
                next = default;
                return PumpStep.Close;
            }
            if (_queue is { Count: > 0 } queue)
            {
                next = queue.Dequeue();
                _metrics.FrameDequeued();
                if (queue.Count == 0)
                {
                    _queue = null; // an idle connection holds no queue
                }
                return PumpStep.Write;
            }
            _pumping = false;
            _pump = Task.CompletedTask; // the ending pump's task (72 bytes) need not live as long as the idle connection
            next = default;
            return PumpStep.Idle;
        }
    }

    private async Task PumpAsync(bool catchUpFirst)
    {
        Activity.Current = null;
        var stop = _pumpStop.Token;
        var stream = _stream ?? throw new InvalidOperationException("the writer was not started");
        try
        {
            if (catchUpFirst)
            {
                await stream.CatchUpOnConnectAsync(stop); // the first pump writes nothing before this
            }
            while (true)
            {
                switch (TakeNext(out var outgoing))
                {
                    case PumpStep.Idle:
                        return;
                    case PumpStep.Close:
                        await CloseOutputAsync(stream);
                        return;
                }
                if (outgoing.Frame is not null)
                {
                    await WriteAsync(outgoing.Frame);
                    _metrics.FrameSent(outgoing.Type!);
                }
                else if (outgoing.Event is { } item)
                {
                    await stream.WriteAsync(item, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Closing: what the pump awaited was cancelled by the close (or the write by a cut).
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            ConnectionLog.Dropped(_logger, _user, e.Message);
            RequestClose(WebSocketCloseStatus.NormalClosure, "");
        }
        // Only a close request stops a pump early, and this pump still holds the writing side.
        await CloseOutputAsync(stream);
    }

    private async Task CloseOutputAsync(IMessageStream stream)
    {
        stream.Closing();
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
            await _socket.CloseOutputAsync(_closeStatus, _closeDescription, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The client does not take our close (it stopped reading): drop the connection.
            _socket.Abort();
        }
    }

    /// <summary>
    /// A frame ready to write (with its type, for the frame counter), or a bus event that still
    /// needs its place in the stream checked.
    /// </summary>
    private readonly record struct Outgoing(byte[]? Frame, BusEvent? Event, string? Type);

    private enum PumpStep
    {
        Write,
        Idle,
        Close,
    }
}
