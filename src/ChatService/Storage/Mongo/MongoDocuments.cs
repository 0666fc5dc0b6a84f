using MongoDB.Bson.Serialization.Attributes;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// A message in the <c>messages</c> collection. <c>_id</c> is the 20-digit id, so the default
/// string order is the message order; <c>clientId</c> is left out when absent so that the partial
/// unique index on (sender, clientId) only covers sends that had one.
/// </summary>
internal sealed class MessageDocument
{
    [BsonId]
    public required string Id { get; init; }

    [BsonElement("conversation")]
    public required string Conversation { get; init; }

    [BsonElement("sender")]
    public required string Sender { get; init; }

    [BsonElement("recipient")]
    [BsonIgnoreIfNull]
    public string? Recipient { get; init; }

    [BsonElement("groupId")]
    [BsonIgnoreIfNull]
    public string? GroupId { get; init; }

    [BsonElement("text")]
    public required string Text { get; init; }

    [BsonElement("clientId")]
    [BsonIgnoreIfNull]
    public string? ClientId { get; init; }

    [BsonElement("previousId")]
    public long PreviousId { get; init; }

    [BsonElement("sentAt")]
    public DateTime SentAt { get; init; }
}

/// <summary>
/// A user's inbox head in <c>inboxHeads</c>: the floor for the next id of a message they send or
/// receive, and the id of the last one they received.
/// </summary>
internal sealed class InboxHeadDocument
{
    [BsonId]
    public required string User { get; init; }

    [BsonElement("lastId")]
    public long LastId { get; init; }

    [BsonElement("lastReceivedId")]
    public long LastReceivedId { get; init; }
}

/// <summary>A user's delivery mark in <c>deliveryMarks</c>.</summary>
internal sealed class DeliveryMarkDocument
{
    [BsonId]
    public required string User { get; init; }

    [BsonElement("upTo")]
    public long UpTo { get; init; }
}
