using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Chat.Edge.Observability;

/// <summary>
/// The Edge's own instruments (meter <c>Chat.Edge</c>), served on <c>/metrics</c>. Names follow the
/// OpenTelemetry semantic conventions where one exists (<c>messaging.client.sent.messages</c>),
/// ours are under <c>chat.</c>. Every label has a handful of values (a frame type, an error code):
/// never a user, a message id or anything a client chooses. Counting is an interlocked add per
/// call, and nothing at all while no exporter listens.
/// </summary>
public sealed class EdgeMetrics
{
    public const string MeterName = "Chat.Edge";

    private readonly UpDownCounter<long> _activeConnections;
    private readonly Counter<long> _framesReceived;
    private readonly Counter<long> _framesSent;
    private readonly Counter<long> _errorFrames;
    private readonly Counter<long> _messagesSent;
    private readonly Histogram<double> _sendDuration;
    private readonly Counter<long> _messagesDelivered;
    private readonly UpDownCounter<long> _queuedFrames;
    private readonly Counter<long> _slowReaderCuts;
    private readonly Counter<long> _busPublished;
    private readonly Counter<long> _gapFills;
    private readonly Counter<long> _catchUpPages;

    private readonly Meter _meter;

    public EdgeMetrics(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(MeterName);
        _activeConnections = meter.CreateUpDownCounter<long>("chat.websocket.active_connections", "{connection}",
            "WebSocket connections open on this Edge.");
        _framesReceived = meter.CreateCounter<long>("chat.websocket.frames.received", "{frame}",
            "Frames read from clients, by type (send, read, typing, invalid; rate_limited for those refused unread).");
        _framesSent = meter.CreateCounter<long>("chat.websocket.frames.sent", "{frame}",
            "Frames written to clients, by type (message, sent, error, read, typing).");
        _errorFrames = meter.CreateCounter<long>("chat.websocket.errors", "{frame}",
            "Error frames answered, by code (rate_limited, unknown_recipient, unavailable, ...).");
        _messagesSent = meter.CreateCounter<long>("chat.messages.sent", "{message}",
            "Messages stored by ChatService and acknowledged with `sent`, by conversation type.");
        _sendDuration = meter.CreateHistogram("chat.message.send.duration", "s",
            "From a send frame read to its `sent` (or error) answer queued.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _messagesDelivered = meter.CreateCounter<long>("chat.messages.delivered", "{message}",
            "Messages written to a connection, by how they came: live from the bus, or read from the store.");
        _queuedFrames = meter.CreateUpDownCounter<long>("chat.websocket.outgoing_queue.frames", "{frame}",
            "Frames waiting in connections' outgoing queues on this Edge.");
        _slowReaderCuts = meter.CreateCounter<long>("chat.websocket.slow_reader.disconnects", "{connection}",
            "Connections cut off (1008) because their outgoing queue was full.");
        _busPublished = meter.CreateCounter<long>("messaging.client.sent.messages", "{message}",
            "Events published on the bus between replicas; error.type is set on the failed ones.");
        _gapFills = meter.CreateCounter<long>("chat.delivery.gap_fills", "{gap}",
            "Live messages whose predecessor had not arrived, so the connection read the store first.");
        _catchUpPages = meter.CreateCounter<long>("chat.delivery.catch_up.pages", "{page}",
            "Pages read from ChatService's SyncMessages to catch a connection up.");
    }

    /// <summary>In seconds: 1 ms to 10 s, dense where a healthy send lands (a few ms).</summary>
    private static readonly IReadOnlyList<double> LatencyBuckets =
        [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public void ConnectionOpened() => _activeConnections.Add(1);

    public void ConnectionClosed() => _activeConnections.Add(-1);

    /// <param name="type">A client frame's type: send, read, typing, invalid.</param>
    public void FrameReceived(string type) => _framesReceived.Add(1, new KeyValuePair<string, object?>("chat.frame.type", type));

    /// <param name="type">A server frame's type: message, sent, error, read, typing.</param>
    public void FrameSent(string type) => _framesSent.Add(1, new KeyValuePair<string, object?>("chat.frame.type", type));

    public void ErrorAnswered(string code) => _errorFrames.Add(1, new KeyValuePair<string, object?>("chat.error.code", code));

    /// <param name="conversation"><see cref="Conversation.Direct"/> or <see cref="Conversation.Group"/>.</param>
    public void MessageSent(string conversation) => _messagesSent.Add(1, new KeyValuePair<string, object?>("chat.conversation.type", conversation));

    /// <param name="outcome">ok, or the error code answered.</param>
    public void SendAnswered(string conversation, string outcome, long startedAt) =>
        _sendDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds,
            new KeyValuePair<string, object?>("chat.conversation.type", conversation),
            new KeyValuePair<string, object?>("chat.outcome", outcome));

    public void MessageDelivered(bool fromStore) =>
        _messagesDelivered.Add(1, new KeyValuePair<string, object?>("chat.delivery.source", fromStore ? "store" : "live"));

    public void FrameQueued() => _queuedFrames.Add(1);

    public void FrameDequeued() => _queuedFrames.Add(-1);

    public void SlowReaderCut() => _slowReaderCuts.Add(1);

    /// <param name="system">redis, or in_process for a single Edge.</param>
    /// <param name="errorType">Null when published; else the failure's exception type.</param>
    public void Published(string system, string? errorType)
    {
        if (!_busPublished.Enabled)
        {
            return;
        }
        var tags = new TagList
        {
            { "messaging.system", system },
            { "messaging.operation.name", "publish" },
            { "messaging.operation.type", "send" },
        };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }
        _busPublished.Add(1, tags);
    }

    /// <summary>
    /// <c>chat.redis.connected</c>: 1 while both of the replica's links to Redis are up (commands and
    /// subscriptions), 0 while it serves its own connections only. Only replicas with a Redis have it.
    /// </summary>
    public void ObserveRedis(Func<bool> connected) =>
        _meter.CreateObservableGauge("chat.redis.connected", () => connected() ? 1 : 0, "1",
            "1 while this Edge's links to Redis are up, 0 while it delivers to its own connections only.");

    public void GapFilled() => _gapFills.Add(1);

    /// <param name="reason">connect (a new connection), gap (a live message's predecessor missing), bus (the bus lost events).</param>
    public void CatchUpPageRead(string reason) => _catchUpPages.Add(1, new KeyValuePair<string, object?>("chat.catch_up.reason", reason));

    /// <summary>The values of <c>chat.conversation.type</c>.</summary>
    public static class Conversation
    {
        public const string Direct = "direct";
        public const string Group = "group";
    }
}
