using System.Text.Json.Serialization;
using Chat.Edge.Protocol;

namespace Chat.Edge.Bus;

/// <summary>
/// Something one user's connections must see, travelling from the replica where it happened to
/// every replica where that user is connected. Plain data, so it can cross Redis as JSON.
/// </summary>
public sealed class BusEvent
{
    private byte[]? _frame;

    /// <summary>A stored message for the user, with its place in the user's stream.</summary>
    /// <param name="traceParent">The W3C trace context of the message's publish (null when untraced).</param>
    public static BusEvent ForMessage(string id, string previousId, string from, string? to, string? group, string text, DateTime sentAt, string? traceParent = null) =>
        new() { Kind = BusEventKind.Message, Id = id, PreviousId = previousId, From = from, To = to, Group = group, Text = text, SentAt = sentAt, TraceParent = traceParent };

    /// <summary>
    /// "Your connections may have missed something: read the store after what you last wrote."
    /// Sent when the bus knows it lost events (a Redis outage), so nobody waits for the next message.
    /// </summary>
    public static readonly BusEvent CatchUp = new() { Kind = BusEventKind.CatchUp };

    /// <summary>
    /// A read receipt for one user's connections. <paramref name="with"/> names the conversation
    /// as that user sees it (the reader, for the other side; the peer, for the reader's own connections).
    /// </summary>
    public static BusEvent ForRead(string by, string? with, string? group, string upTo) =>
        new() { Kind = BusEventKind.Read, From = by, To = with, Group = group, UpTo = upTo };

    /// <summary>"<paramref name="from"/> is typing": live only, never stored.</summary>
    public static BusEvent ForTyping(string from, string? to, string? group) =>
        new() { Kind = BusEventKind.Typing, From = from, To = to, Group = group };

    public BusEventKind Kind { get; init; }

    /// <summary>The message's id (ordered per recipient).</summary>
    public string Id { get; init; } = "";

    /// <summary>
    /// The id of the recipient's message just before this one, empty when none. A connection that
    /// has not delivered exactly that id knows it has a gap to fill from the store first.
    /// </summary>
    public string PreviousId { get; init; } = "";

    public string From { get; init; } = "";
    public string? To { get; init; }
    public string? Group { get; init; }
    public string Text { get; init; } = "";
    public DateTime SentAt { get; init; }

    /// <summary>For a read receipt: the id read up to.</summary>
    public string? UpTo { get; init; }

    /// <summary>
    /// A <c>traceparent</c> (W3C Trace Context): the replicas that deliver the message continue its
    /// trace across Redis. Absent when the send was not traced; replicas without telemetry ignore it.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>Read receipts and typing are not part of the ordered message stream.</summary>
    [JsonIgnore]
    public bool IsEphemeral => Kind is BusEventKind.Read or BusEventKind.Typing;

    /// <summary>The frame every connection of the recipient is sent, rendered once.</summary>
    [JsonIgnore]
    public byte[] Frame => _frame ??= Kind switch
    {
        BusEventKind.Message => ServerFrames.Message(Id, From, To, Group, Text, SentAt),
        BusEventKind.Read => ServerFrames.Read(From, To, Group, UpTo ?? ""),
        BusEventKind.Typing => ServerFrames.Typing(From, To, Group),
        _ => throw new InvalidOperationException($"no frame for {Kind}"),
    };
}

public enum BusEventKind
{
    Message = 1,
    CatchUp = 2,
    Read = 3,
    Typing = 4,
}
