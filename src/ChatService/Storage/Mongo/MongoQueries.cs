using Chat.ChatService.Messages;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>The filters, sorts and indexes of the message queries, in one place (unit-tested as rendered documents).</summary>
internal static class MongoQueries
{
    /// <summary>The indexes history, sync and idempotency need.</summary>
    public static IReadOnlyList<CreateIndexModel<MessageDocument>> MessageIndexes { get; } =
    [
        new(Builders<MessageDocument>.IndexKeys.Ascending(m => m.Conversation).Descending(m => m.Id),
            new CreateIndexOptions { Name = "conversation_id" }),
        new(Builders<MessageDocument>.IndexKeys.Ascending(m => m.Recipient).Ascending(m => m.Id),
            new CreateIndexOptions<MessageDocument>
            {
                Name = "recipient_id",
                // $exists, not $type: the planner only proves that an equality query is covered by a
                // partial index from comparison, $exists, $in, $and and $or filters (SERVER-18457).
                PartialFilterExpression = Builders<MessageDocument>.Filter.Exists(m => m.Recipient),
            }),
        new(Builders<MessageDocument>.IndexKeys.Ascending(m => m.Sender).Ascending(m => m.ClientId),
            new CreateIndexOptions<MessageDocument>
            {
                Name = "sender_clientId",
                Unique = true,
                // Idempotency keys are kept as long as the message (forever), more than the contract's 24 hours.
                PartialFilterExpression = Builders<MessageDocument>.Filter.Exists(m => m.ClientId),
            }),
    ];

    public static SortDefinition<MessageDocument> NewestFirst => Builders<MessageDocument>.Sort.Descending(m => m.Id);

    public static SortDefinition<MessageDocument> OldestFirst => Builders<MessageDocument>.Sort.Ascending(m => m.Id);

    /// <summary>One conversation (its key from <see cref="ConversationKey"/>) below <paramref name="before"/> (0: from the newest).</summary>
    public static FilterDefinition<MessageDocument> ConversationFilter(string conversation, long before)
    {
        var filter = Builders<MessageDocument>.Filter.Eq(m => m.Conversation, conversation);
        return before == 0 ? filter : filter & Builders<MessageDocument>.Filter.Lt(m => m.Id, MessageId.Format(before));
    }

    public static FilterDefinition<MessageDocument> InboxFilter(string user, long after) =>
        Builders<MessageDocument>.Filter.Eq(m => m.Recipient, user)
        & Builders<MessageDocument>.Filter.Gt(m => m.Id, MessageId.Format(after));

    public static FilterDefinition<MessageDocument> ByClientId(string sender, string clientId) =>
        Builders<MessageDocument>.Filter.Eq(m => m.Sender, sender)
        & Builders<MessageDocument>.Filter.Eq(m => m.ClientId, clientId);

    public static StoredMessage ToStored(MessageDocument d) => new(
        long.Parse(d.Id, System.Globalization.CultureInfo.InvariantCulture),
        d.Sender,
        d.Recipient,
        d.GroupId,
        d.Text,
        new DateTimeOffset(DateTime.SpecifyKind(d.SentAt, DateTimeKind.Utc)),
        d.ClientId);

    /// <summary>Asked for limit + 1 documents: the extra one only says that there is more.</summary>
    public static MessagePage Page(IEnumerable<MessageDocument> documents, int limit)
    {
        var list = documents.ToList();
        return new MessagePage([.. list.Take(limit).Select(ToStored)], list.Count > limit);
    }
}
