using Chat.Edge.Protocol;

namespace Chat.Edge.Bus;

/// <summary>
/// Something one user's connections must see, travelling from the replica where it happened to
/// every replica where that user is connected: the frame those connections write, rendered once
/// where the event happened, and the little the connections need to place it in the user's
/// stream. It crosses Redis as it is (<see cref="BusEnvelope"/>); no replica renders it again.
/// </summary>
public sealed class BusEvent
{
    private readonly byte[]? _frame;

    private BusEvent(BusEventKind kind, string id, string previousId, byte[]? frame, string? traceParent)
    {
        Kind = kind;
        Id = id;
        PreviousId = previousId;
        _frame = frame;
        TraceParent = traceParent;
    }

    /// <summary>
    /// A stored message for the user, with its place in the user's stream. The members of a group
    /// share one <paramref name="frame"/> (<see cref="ServerFrames.Message"/>); only their previous
    /// ids differ.
    /// </summary>
    /// <param name="traceParent">The W3C trace context of the message's publish (null when untraced).</param>
    public static BusEvent ForMessage(string id, string previousId, byte[] frame, string? traceParent = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(frame);
        return new BusEvent(BusEventKind.Message, id, previousId, frame, traceParent);
    }

    /// <summary>
    /// "Your connections may have missed something: read the store after what you last wrote."
    /// Sent when the bus knows it lost events (a Redis outage), so nobody waits for the next message.
    /// </summary>
    public static readonly BusEvent CatchUp = new(BusEventKind.CatchUp, "", "", frame: null, traceParent: null);

    /// <summary>
    /// A read receipt for one user's connections. <paramref name="with"/> names the conversation
    /// as that user sees it (the reader, for the other side; the peer, for the reader's own connections).
    /// </summary>
    public static BusEvent ForRead(string by, string? with, string? group, string upTo) =>
        new(BusEventKind.Read, "", "", ServerFrames.Read(by, with, group, upTo), traceParent: null);

    /// <summary>"<paramref name="from"/> is typing": live only, never stored.</summary>
    public static BusEvent ForTyping(string from, string? to, string? group) =>
        new(BusEventKind.Typing, "", "", ServerFrames.Typing(from, to, group), traceParent: null);

    /// <summary>An event as it arrived from another replica (<see cref="BusEnvelope.ToEvent"/>), checked there.</summary>
    internal static BusEvent Received(BusEventKind kind, string id, string previousId, byte[]? frame, string? traceParent) =>
        kind == BusEventKind.CatchUp ? CatchUp : new BusEvent(kind, id, previousId, frame, traceParent);

    public BusEventKind Kind { get; }

    /// <summary>The message's id (ordered per recipient); empty for other kinds.</summary>
    public string Id { get; }

    /// <summary>
    /// The id of the recipient's message just before this one, empty when none. A connection that
    /// has not delivered exactly that id knows it has a gap to fill from the store first.
    /// </summary>
    public string PreviousId { get; }

    /// <summary>
    /// A <c>traceparent</c> (W3C Trace Context): the replicas that deliver the message continue its
    /// trace across Redis. Absent when the send was not traced; replicas without telemetry ignore it.
    /// </summary>
    public string? TraceParent { get; }

    /// <summary>Read receipts and typing are not part of the ordered message stream.</summary>
    public bool IsEphemeral => Kind is BusEventKind.Read or BusEventKind.Typing;

    /// <summary>True for the kinds that carry a frame (all but <see cref="BusEventKind.CatchUp"/>).</summary>
    public bool HasFrame => _frame is not null;

    /// <summary>The UTF-8 JSON frame every connection of the recipient is sent, as rendered where the event happened.</summary>
    public byte[] Frame => _frame ?? throw new InvalidOperationException($"no frame for {Kind}");
}

public enum BusEventKind
{
    Message = 1,
    CatchUp = 2,
    Read = 3,
    Typing = 4,
}
