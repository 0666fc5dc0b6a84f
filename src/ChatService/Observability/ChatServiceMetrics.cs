using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Chat.ChatService.Observability;

/// <summary>
/// ChatService's own instruments (meter <c>Chat.ChatService</c>) and spans (activity source of the
/// same name): what a store costs and how many there are. Labels are the conversation type, the
/// store and the outcome, never a user or a message.
/// </summary>
public sealed class ChatServiceMetrics
{
    public const string Name = "Chat.ChatService";

    public static readonly ActivitySource Activities = new(Name);

    private readonly Counter<long> _stored;
    private readonly Histogram<double> _storeDuration;
    private readonly string _store;

    /// <param name="store">The store's <c>db.system.name</c>: postgresql or mongodb.</param>
    public ChatServiceMetrics(IMeterFactory meters, string store)
    {
        _store = store;
        var meter = meters.Create(Name);
        _stored = meter.CreateCounter<long>("chat.messages.stored", "{message}",
            "StoreMessage calls answered with a stored message, by conversation type; duplicate is a retry answered with its first message.");
        _storeDuration = meter.CreateHistogram("chat.store.duration", "s",
            "How long the message store took to store one message (in a batch or alone), by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    /// <summary>In seconds: 0.5 ms to 5 s; a healthy store is a few milliseconds (one commit).</summary>
    private static readonly IReadOnlyList<double> LatencyBuckets =
        [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>
    /// One batch of a StoreMessageStream, in the trace of the sender's span for it (the batch's
    /// <paramref name="traceParent"/>): what a call's server span is for a StoreMessages call,
    /// since the stream's own span lasts as long as the stream.
    /// </summary>
    public static Activity? StartStoreBatch(string traceParent, int messages)
    {
        if (!Activities.HasListeners() || !ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var parent))
        {
            return null;
        }
        var activity = Activities.StartActivity("chat.v1.ChatService/StoreMessageStream batch", ActivityKind.Server, parent);
        activity?.SetTag("rpc.system", "grpc");
        activity?.SetTag("messaging.batch.message_count", messages);
        return activity;
    }

    public Activity? StartStore(string conversation)
    {
        var activity = Activities.StartActivity("chat store");
        activity?.SetTag("chat.conversation.type", conversation);
        activity?.SetTag("db.system.name", _store);
        return activity;
    }

    /// <param name="outcome">ok, or the failure's exception type.</param>
    public void StoreFinished(string conversation, string outcome, bool duplicate, long startedAt)
    {
        var seconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        _storeDuration.Record(seconds,
            new KeyValuePair<string, object?>("chat.conversation.type", conversation),
            new KeyValuePair<string, object?>("db.system.name", _store),
            new KeyValuePair<string, object?>("chat.outcome", outcome));
        if (outcome == "ok")
        {
            _stored.Add(1,
                new KeyValuePair<string, object?>("chat.conversation.type", conversation),
                new KeyValuePair<string, object?>("chat.store.duplicate", duplicate));
        }
    }
}
