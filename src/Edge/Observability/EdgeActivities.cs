using System.Diagnostics;

namespace Chat.Edge.Observability;

/// <summary>
/// The Edge's spans (activity source <c>Chat.Edge</c>). One trace per message: <c>chat send</c> when
/// the frame is read (ChatService's store and its database call below it, through the context
/// each store batch carries), <c>publish chat</c> when it goes on the bus, and <c>deliver chat</c> on
/// every replica that writes it to a connection, parented by the context the bus event carries
/// (<see cref="Realtime.Bus.BusEvent.TraceParent"/>). Spans carry ids and types, never text.
/// Without a listener (no OTLP endpoint) or for a trace the sampler dropped, each call returns
/// null at the cost of a check.
/// </summary>
public static class EdgeActivities
{
    public const string SourceName = "Chat.Edge";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// A send frame read from a client: the root of its message's trace, since a connection's loops
    /// run without a current activity (<see cref="Realtime.Connections.ChatConnection"/>).
    /// </summary>
    public static Activity? StartSend(string conversation)
    {
        var activity = Source.StartActivity("chat send", ActivityKind.Server);
        activity?.SetTag("chat.conversation.type", conversation);
        return activity;
    }

    /// <summary>
    /// A batch of sends carried on the store stream to ChatService, in the trace of the send that
    /// is current (the first of the batch, as a StoreMessages call's client span was): the stream
    /// is one call for hours, so each batch carries this span's context itself.
    /// </summary>
    public static Activity? StartStoreBatch(int messages)
    {
        var activity = Source.StartActivity("chat.v1.ChatService/StoreMessageStream batch", ActivityKind.Client);
        activity?.SetTag("rpc.system", "grpc");
        activity?.SetTag("messaging.batch.message_count", messages);
        return activity;
    }

    /// <summary>A stored message published on the bus to <paramref name="recipients"/> users.</summary>
    public static Activity? StartPublish(string messageId, int recipients)
    {
        var activity = Source.StartActivity("publish chat", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.message.id", messageId);
            activity.SetTag("messaging.operation.name", "publish");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.batch.message_count", recipients);
        }
        return activity;
    }

    /// <summary>
    /// A live message written to one connection, in the trace of its send (the bus event's
    /// <paramref name="traceParent"/>); none for an event that travelled untraced.
    /// </summary>
    public static Activity? StartDeliver(string? traceParent, string messageId)
    {
        if (traceParent is null || !Source.HasListeners()
            || !ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var parent))
        {
            return null;
        }
        var activity = Source.StartActivity("deliver chat", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.operation.name", "deliver");
        activity?.SetTag("messaging.message.id", messageId);
        return activity;
    }

    /// <summary>The context a bus event carries to the replicas that deliver it.</summary>
    public static string? TraceParentOf(Activity? activity) =>
        activity is { Recorded: true } ? activity.Id : null;
}
