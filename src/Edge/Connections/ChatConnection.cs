using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Unicode;
using Chat.Edge.Auth;
using Chat.Edge.Bus;
using Chat.Edge.Inbox;
using Chat.Edge.Observability;
using Chat.Edge.Protocol;
using Grpc.Core;

namespace Chat.Edge.Connections;

/// <summary>
/// One client's WebSocket. Two loops: the reader takes frames in (one at a time, so a sender's
/// messages are stored in the order it sent them), and the pump is the only writer: it first
/// catches up on what the user missed, then writes live events and answers from a bounded queue.
/// A client that does not read fills the queue and is cut off with 1008; nothing buffers without
/// bound. The pump runs only while there is something to write: an idle connection holds no
/// queue and no waiting writer task (most connections are idle, and each byte is paid per
/// connection; docs/benchmarks.md). Both loops run without a current activity: each message
/// on the connection is a trace of its own (<see cref="EdgeActivities"/>), not a child of the
/// hours-long <c>/ws</c> request or of whichever send happened to start the pump.
/// </summary>
public sealed partial class ChatConnection
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly ConnectionServices _services;
    private readonly RealtimeOptions _options;
    private readonly ILogger _logger;
    private readonly EdgeMetrics _metrics;
    private readonly CancellationTokenSource _pumpStop = new();
    // Cancelling a WebSocket write aborts the socket, and with it the close about to follow: only
    // a cut (a reader too slow to take its frames) interrupts a write; any other close lets the
    // write in progress finish, and the pump then writes the close.
    private readonly CancellationTokenSource _writeCut = new();
    private readonly TokenLifetime _lifetime;

    // The outgoing queue and the pump's state, under _gate. _queue is null while empty. _pumping:
    // a pump task owns the socket's writing side; only it writes, and once a close is requested
    // it stays set, so the pump that holds it is the one that sends the close.
    private readonly Lock _gate = new();
    private Queue<Outgoing>? _queue;
    // Set from the start: the first pump, which RunAsync starts, catches up before it writes
    // anything queued meanwhile (the connection is in the registry, and gets events, before it runs).
    private bool _pumping = true;
    private Task _pump = Task.CompletedTask;
    private readonly TokenBucket _rate;
    private int _closeRequested;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeDescription = "";
    private int _consecutiveErrors;

    // 1 while a catch-up is queued and not yet begun: requests meanwhile are covered by it, so a
    // store that is slow to answer never fills the queue with catch-ups (they come every second
    // while Redis is away).
    private int _catchUpQueued;

    // The id of the last message written to this connection; "" before the user's first message.
    // Written by the pump only.
    private string _lastDelivered;

    /// <param name="startAfter">
    /// Where this connection's stream starts: the client's <c>?after</c>, or the user's delivery
    /// mark read before the connection joined the registry and the bus ("" before any message).
    /// It is fixed before anything can be queued: read later, another connection of the same user
    /// could have moved the shared mark past a live message already queued here, which would then
    /// be dropped as "already delivered".
    /// </param>
    public ChatConnection(WebSocket socket, AuthenticatedUser user, string startAfter, ConnectionServices services)
    {
        _socket = socket;
        _services = services;
        _options = services.Options;
        _logger = services.Logger;
        _metrics = services.Metrics;
        User = user.Username;
        _lifetime = new TokenLifetime(user, services.Clock,
            expiring: seconds => Reply(ServerFrames.Expiring(seconds), "expiring"),
            expired: () => RequestClose(WebSocketCloseStatus.PolicyViolation, "token expired"));
        _lastDelivered = startAfter;
        _rate = new TokenBucket(_options.MessagesPerSecond, _options.Burst);
    }

    /// <summary>The user's lower-case username.</summary>
    public string User { get; }

    /// <summary>The session of the token the connection lives on: its end closes the connection.</summary>
    public string SessionId => _lifetime.SessionId;

    /// <summary>Closes the connection because its session ended (logout, revocation, password change, reuse).</summary>
    public void CloseForEndedSession() => RequestClose(WebSocketCloseStatus.PolicyViolation, "session ended");

    /// <summary>A live event for this user, written after everything queued before it.</summary>
    public void Enqueue(BusEvent busEvent)
    {
        if (busEvent.Kind == BusEventKind.CatchUp)
        {
            RequestCatchUp();
            return;
        }
        Enqueue(new Outgoing(null, busEvent, null));
    }

    /// <summary>
    /// Asks the connection to read the store for anything after what it last wrote, in its turn
    /// after what is queued: for when the bus may have lost events (Redis is or was away). A
    /// request while another is still queued is already answered by that one.
    /// </summary>
    public void RequestCatchUp()
    {
        if (Interlocked.Exchange(ref _catchUpQueued, 1) == 0)
        {
            Enqueue(new Outgoing(null, BusEvent.CatchUp, null));
        }
    }

    /// <summary>Runs the connection until it closes; never throws for anything the client did.</summary>
    public async Task RunAsync(CancellationToken aborted)
    {
        Activity.Current = null;
        lock (_gate)
        {
            StartPumpLocked(catchUpFirst: true);
        }
        _lifetime.Start();
        var closeWrittenByFramework = false;
        try
        {
            await ReceiveLoopAsync(aborted);
        }
        catch (WebSocketException e) when (e.WebSocketErrorCode == WebSocketError.Faulted)
        {
            // The client broke the protocol (invalid UTF-8, an unmasked or malformed frame): the
            // framework has already written its close (1007 or 1002) and given up the socket.
            LogDropped(_logger, User, e.Message);
            closeWrittenByFramework = true;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            LogDropped(_logger, User, e.Message);
        }
        finally
        {
            RequestClose(WebSocketCloseStatus.NormalClosure, "");
            Task closing;
            lock (_gate)
            {
                closing = _pump; // the last pump started is the one that closes
            }
            await closing;
            DiscardQueue();
            if (closeWrittenByFramework)
            {
                await LingerAsync(aborted);
            }
            _socket.Abort();
            _lifetime.Dispose();
        }
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

    /// <summary>
    /// Waits until the client drops the connection, or the close handshake's time is up. The
    /// written close may still be in the server's output buffers, and aborting the socket now
    /// would discard it: the client would see a reset instead of the close code.
    /// </summary>
    private static async Task LingerAsync(CancellationToken aborted)
    {
        try
        {
            await Task.Delay(CloseHandshakeTimeout, aborted);
        }
        catch (OperationCanceledException)
        {
            // The client is gone: nothing is left to wait for.
        }
    }

    /// <summary>
    /// Asks the pump to stop and close the socket with this status. The first request wins; the
    /// reader keeps reading until the client answers the close (or the handshake times out).
    /// </summary>
    public void RequestClose(WebSocketCloseStatus status, string description) => RequestClose(status, description, cutWrite: false);

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
            if (_queue.Count < _options.OutgoingQueueLimit)
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
        LogSlowReader(_logger, User, _options.OutgoingQueueLimit);
        _metrics.SlowReaderCut();
        RequestClose(WebSocketCloseStatus.PolicyViolation, "too slow: the outgoing queue is full", cutWrite: true);
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
            next = default;
            return PumpStep.Idle;
        }
    }

    /// <param name="type">The frame's type, for the frame counter: sent, error.</param>
    private void Reply(byte[] frame, string type) => Enqueue(new Outgoing(frame, null, type));

    private void ReplySent(byte[] frame) => Reply(frame, "sent");

    /// <summary>
    /// The <c>auth</c> frame: a newer token of the same user keeps the connection to its expiry.
    /// Answered only when refused; an accepted one is silent (or, close to its own expiry, the
    /// next <c>expiring</c>).
    /// </summary>
    private async Task<Answer> RenewAsync(string token, CancellationToken aborted)
    {
        var check = await _services.Authenticator.AuthenticateTokenAsync(token, aborted);
        if (check.Unavailable)
        {
            return Answer.Error(ErrorCodes.Unavailable, "tokens cannot be checked right now; send it again shortly", clientId: null);
        }
        if (check.User is not { } user)
        {
            return Answer.Error(ErrorCodes.Forbidden, "the token is not valid (expired, forged, or of an ended session)", clientId: null);
        }
        return _lifetime.Renew(user)
            ? Answer.Silent
            : Answer.Error(ErrorCodes.Forbidden, "the token is another user's", clientId: null);
    }

    // ---- reading ----

    private async Task ReceiveLoopAsync(CancellationToken aborted)
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
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
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
                    if (length > _options.MaxFrameBytes)
                    {
                        RequestClose(WebSocketCloseStatus.MessageTooBig, $"frames are limited to {_options.MaxFrameBytes} bytes");
                        await DrainUntilClosedAsync(aborted);
                        return;
                    }
                }
                var frame = buffer.AsMemory(0, length);
                if (first.MessageType == WebSocketMessageType.Text && !Utf8.IsValid(frame.Span))
                {
                    RequestClose(WebSocketCloseStatus.InvalidPayloadData, "frames must be valid UTF-8");
                    await DrainUntilClosedAsync(aborted);
                    return;
                }
                await HandleFrameAsync(first.MessageType, frame, aborted);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (Volatile.Read(ref _closeRequested) == 1)
            {
                await DrainUntilClosedAsync(aborted);
                return;
            }
        }
    }

    private byte[] Grow(byte[] buffer, int length)
    {
        // One byte over the limit is enough to know a frame is too large.
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _options.MaxFrameBytes + 1));
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>After a close was requested: wait for the client's close, discarding what comes.</summary>
    private async Task DrainUntilClosedAsync(CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(CloseHandshakeTimeout * 2);
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
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

    private async Task HandleFrameAsync(WebSocketMessageType type, ReadOnlyMemory<byte> frame, CancellationToken aborted)
    {
        if (!_rate.TryTake())
        {
            _metrics.FrameReceived("rate_limited");
            AnswerError(ErrorCodes.RateLimited, $"at most {_options.MessagesPerSecond} messages a second (bursts of {_options.Burst})", clientId: null);
            return;
        }
        var parsed = type == WebSocketMessageType.Binary
            ? new InvalidFrame(ErrorCodes.InvalidFrame, "binary frames are not supported; send text")
            : _services.Parser.Parse(frame.Span);
        _metrics.FrameReceived(parsed switch
        {
            SendFrame => "send",
            ReadFrame => "read",
            TypingFrame => "typing",
            AuthFrame => "auth",
            _ => "invalid",
        });
        var answer = parsed switch
        {
            InvalidFrame invalid => Answer.Error(invalid.Code, invalid.Message, invalid.ClientId),
            SendFrame send => await _services.Sender.SendAsync(User, send, ReplySent, aborted),
            ReadFrame read => await _services.Signals.ReadAsync(User, read, aborted),
            TypingFrame typing => await _services.Signals.TypingAsync(User, typing, aborted),
            AuthFrame auth => await RenewAsync(auth.Token, aborted),
            _ => Answer.Error(ErrorCodes.InvalidFrame, "this frame type is not supported", clientId: null),
        };
        if (answer.ErrorCode is { } code)
        {
            _metrics.ErrorAnswered(code);
            CountError();
        }
        else
        {
            _consecutiveErrors = 0;
        }
        if (answer.Frame is { } frameOut)
        {
            Reply(frameOut, answer.IsError ? "error" : "answer");
        }
    }

    private void AnswerError(string code, string message, string? clientId)
    {
        _metrics.ErrorAnswered(code);
        CountError();
        Reply(ServerFrames.Error(code, message, clientId), "error");
    }

    private void CountError()
    {
        if (++_consecutiveErrors >= _options.MaxConsecutiveErrors)
        {
            LogAbusive(_logger, User, _consecutiveErrors);
            RequestClose(WebSocketCloseStatus.PolicyViolation, "too many bad frames");
        }
    }

    // ---- writing ----

    private async Task PumpAsync(bool catchUpFirst)
    {
        Activity.Current = null;
        var stop = _pumpStop.Token;
        try
        {
            if (catchUpFirst)
            {
                await CatchUpAsync(_lastDelivered, "connect", stop); // still the start: the first pump writes nothing before this
            }
            while (true)
            {
                switch (TakeNext(out var outgoing))
                {
                    case PumpStep.Idle:
                        return;
                    case PumpStep.Close:
                        await CloseAsync();
                        return;
                }
                if (outgoing.Frame is not null)
                {
                    await WriteAsync(outgoing.Frame);
                    _metrics.FrameSent(outgoing.Type!);
                }
                else if (outgoing.Event is { } live)
                {
                    await DeliverLiveAsync(live, stop);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && stop.IsCancellationRequested)
        {
            // Closing: a gRPC call (a catch-up's sync) cancelled by the close ends as RpcException.
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            LogDropped(_logger, User, e.Message);
            RequestClose(WebSocketCloseStatus.NormalClosure, "");
        }
        catch (RpcException e)
        {
            // Not an outage (those are retried): ChatService refused the sync itself. Close with
            // 1011 rather than deliver out of order; the client reconnects and tries again.
            LogSyncRefused(_logger, User, e.StatusCode);
            RequestClose(WebSocketCloseStatus.InternalServerError, "messages cannot be synced right now");
        }
        // Only a close request stops a pump early, and this pump still holds the writing side.
        await CloseAsync();
    }

    private async Task CloseAsync()
    {
        _services.DeliveryMarks.Flush(User);
        await SendCloseAsync();
    }

    private async Task DeliverLiveAsync(BusEvent live, CancellationToken stop)
    {
        if (live.Kind == BusEventKind.CatchUp)
        {
            // Cleared before the read: a request from now on may concern a message it misses.
            Volatile.Write(ref _catchUpQueued, 0);
            await CatchUpAsync(_lastDelivered, "bus", stop);
            return;
        }
        if (live.IsEphemeral)
        {
            await WriteAsync(live.Frame); // receipts and typing: live only, outside the id order
            _metrics.FrameSent(live.Kind == BusEventKind.Read ? "read" : "typing");
            return;
        }
        if (string.CompareOrdinal(live.Id, _lastDelivered) <= 0)
        {
            return; // already written, by the catch-up or an earlier gap fill
        }
        using var activity = EdgeActivities.StartDeliver(live.TraceParent, live.Id);
        if (!string.Equals(live.PreviousId, _lastDelivered, StringComparison.Ordinal))
        {
            // Something before this message has not reached us yet (still in flight on another
            // replica, or lost by the bus): the store has it, since ids become visible in order.
            _metrics.GapFilled();
            await CatchUpAsync(_lastDelivered, "gap", stop);
            if (string.CompareOrdinal(live.Id, _lastDelivered) <= 0)
            {
                return;
            }
            LogNotInStore(_logger, User, live.Id);
        }
        await DeliverAsync(live.Id, live.Frame, stop);
        _metrics.MessageDelivered(fromStore: false);
    }

    /// <summary>
    /// Writes every stored message to the user after <paramref name="after"/>, oldest first.
    /// Retries while ChatService is unavailable; live events wait in the queue meanwhile.
    /// </summary>
    /// <param name="reason">Why, for the page counter: connect, gap, bus.</param>
    private async Task CatchUpAsync(string after, string reason, CancellationToken stop)
    {
        var cursor = after;
        while (true)
        {
            var page = await _services.Inbox.SyncAsync(User, cursor, _options.SyncPageSize, stop);
            _metrics.CatchUpPageRead(reason);
            foreach (var message in page.Messages)
            {
                if (string.CompareOrdinal(message.Id, _lastDelivered) > 0)
                {
                    await DeliverAsync(message.Id, message.Frame, stop);
                    _metrics.MessageDelivered(fromStore: true);
                }
            }
            if (!page.HasMore || page.Messages.Count == 0)
            {
                return;
            }
            cursor = page.Messages[^1].Id;
        }
    }

    private async Task DeliverAsync(string id, byte[] frame, CancellationToken stop)
    {
        await WriteAsync(frame);
        _metrics.FrameSent("message");
        _lastDelivered = id;
        _services.DeliveryMarks.Advance(User, id);
    }

    private ValueTask WriteAsync(byte[] frame) =>
        _socket.SendAsync(frame.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, _writeCut.Token);

    private async Task SendCloseAsync()
    {
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
    /// A frame ready to write (with its type, for the frame counter), or a live event that still
    /// needs its place in the stream checked.
    /// </summary>
    private readonly record struct Outgoing(byte[]? Frame, BusEvent? Event, string? Type);

    private enum PumpStep
    {
        Write,
        Idle,
        Close,
    }

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Connection of {User} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, string user, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Connection of {User} cut off: its outgoing queue reached {Limit} frames")]
    private static partial void LogSlowReader(ILogger logger, string user, int limit);

    [LoggerMessage(EventId = 120, Level = LogLevel.Error, Message = "Sync for {User} was refused with {Status}; closing the connection")]
    private static partial void LogSyncRefused(ILogger logger, string user, StatusCode status);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Connection of {User} closed after {Errors} bad frames in a row")]
    private static partial void LogAbusive(ILogger logger, string user, int errors);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Live message {Id} for {User} was not found in the store while filling a gap; delivering it anyway")]
    private static partial void LogNotInStore(ILogger logger, string user, string id);
}
