using MongoDB.Bson;
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

/// <summary>
/// A group in <c>groups</c>, its members embedded (at most a few hundred). Every group message
/// writes <see cref="LastMessageId"/>, so a membership change running at the same time conflicts
/// with it and one of the two transactions is retried: a message goes to exactly the members at
/// its commit.
/// </summary>
internal sealed class GroupDocument
{
    [BsonId]
    public required string Id { get; init; }

    [BsonElement("name")]
    public required string Name { get; init; }

    [BsonElement("owner")]
    public required string Owner { get; init; }

    [BsonElement("createdAt")]
    public DateTime CreatedAt { get; init; }

    [BsonElement("members")]
    public List<GroupMemberDocument> Members { get; init; } = [];

    [BsonElement("lastMessageId")]
    [BsonIgnoreIfNull]
    public string? LastMessageId { get; init; }
}

internal sealed class GroupMemberDocument
{
    [BsonElement("user")]
    public required string User { get; init; }

    [BsonElement("joinedAt")]
    public DateTime JoinedAt { get; init; }
}

/// <summary>A group message in a member's inbox (<c>inboxEntries</c>): fan-out on write.</summary>
internal sealed class InboxEntryDocument
{
    [BsonId]
    public ObjectId Id { get; init; }

    [BsonElement("user")]
    public required string User { get; init; }

    [BsonElement("messageId")]
    public required string MessageId { get; init; }
}

/// <summary>
/// One entry of a user's conversation list (<c>conversations</c>): its latest activity, the
/// user's read mark, and for a group the id below which messages predate the user's joining.
/// </summary>
internal sealed class ConversationDocument
{
    [BsonId]
    public ObjectId Id { get; init; }

    [BsonElement("user")]
    public required string User { get; init; }

    [BsonElement("conversation")]
    public required string Conversation { get; init; }

    [BsonElement("peer")]
    [BsonIgnoreIfNull]
    public string? Peer { get; init; }

    [BsonElement("groupId")]
    [BsonIgnoreIfNull]
    public string? GroupId { get; init; }

    [BsonElement("lastActivity")]
    public long LastActivity { get; init; }

    [BsonElement("readUpTo")]
    public string ReadUpTo { get; init; } = "";

    [BsonElement("visibleFrom")]
    public string VisibleFrom { get; init; } = "";
}
