using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// Messages in MongoDB (the production store). Storing runs in a transaction (MongoDB needs a
/// replica set for that; compose runs a single-node one) that writes the head documents of sender
/// and recipient and inserts the message. Two transactions writing the same head conflict, and the
/// loser is retried from the start (TransientTransactionError) after the winner committed — so,
/// as in PostgreSQL, a later message to a user reads a later head, gets a greater id, and commits
/// after the earlier one.
/// </summary>
public sealed partial class MongoMessageStore : IMessageStore
{
    private const int MaxAttempts = 20;
    private readonly IMongoClient _client;
    private readonly IMongoCollection<MessageDocument> _messages;
    private readonly IMongoCollection<HeadDocument> _heads;
    private readonly MessageIds _ids;
    private readonly ILogger<MongoMessageStore> _logger;

    public MongoMessageStore(IMongoClient client, string database, MessageIds ids, ILogger<MongoMessageStore> logger)
    {
        _client = client;
        var db = client.GetDatabase(database);
        _messages = db.GetCollection<MessageDocument>("messages");
        _heads = db.GetCollection<HeadDocument>("inbox_heads");
        _ids = ids;
        _logger = logger;
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var keys = Builders<MessageDocument>.IndexKeys;
        await _messages.Indexes.CreateManyAsync(
        [
            // Idempotency: one message per (sender, clientId), decided by the index.
            new CreateIndexModel<MessageDocument>(keys.Ascending(m => m.Sender).Ascending(m => m.ClientId),
                new CreateIndexOptions<MessageDocument> { Name = "ux_sender_client", Unique = true, PartialFilterExpression = Builders<MessageDocument>.Filter.Type(m => m.ClientId, BsonType.String) }),
            // Sync: a user's incoming messages in id order.
            new CreateIndexModel<MessageDocument>(keys.Ascending(m => m.Recipient).Ascending(m => m.Id), new CreateIndexOptions { Name = "ix_recipient_id" }),
            // History: both directions of a conversation in id order.
            new CreateIndexModel<MessageDocument>(keys.Ascending(m => m.Conversation).Descending(m => m.Id), new CreateIndexOptions { Name = "ix_conversation_id" }),
        ], cancellationToken);
        LogReady(_logger);
    }

    public async Task<StoreResult> StoreAsync(NewMessage message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var session = await _client.StartSessionAsync(cancellationToken: cancellationToken);
            session.StartTransaction();
            try
            {
                var result = await StoreInTransactionAsync(session, message, cancellationToken);
                await session.CommitTransactionAsync(cancellationToken);
                return result;
            }
            catch (MongoException e) when (e.HasErrorLabel("TransientTransactionError") && attempt < MaxAttempts)
            {
                await session.AbortTransactionAsync(CancellationToken.None);
            }
            catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey && message.ClientId is not null)
            {
                await session.AbortTransactionAsync(CancellationToken.None);
                var first = await _messages.Find(m => m.Sender == message.Sender && m.ClientId == message.ClientId).FirstAsync(cancellationToken);
                return new StoreResult(first.ToStored(), Duplicate: true, first.PreviousId);
            }
        }
    }

    private async Task<StoreResult> StoreInTransactionAsync(IClientSessionHandle session, NewMessage message, CancellationToken cancellationToken)
    {
        string[] participants = message.Sender == message.Recipient ? [message.Sender] : [message.Sender, message.Recipient];
        var heads = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in participants.Order(StringComparer.Ordinal))
        {
            // Writing the head (a version bump) claims it: a concurrent transaction on it conflicts.
            var head = await _heads.FindOneAndUpdateAsync(session,
                Builders<HeadDocument>.Filter.Eq(h => h.User, user),
                Builders<HeadDocument>.Update.Inc(h => h.Version, 1).SetOnInsert(h => h.LastId, "").SetOnInsert(h => h.DeliveredUpTo, ""),
                new FindOneAndUpdateOptions<HeadDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After },
                cancellationToken);
            heads[user] = head.LastId;
        }
        var previousId = heads[message.Recipient];
        var (id, sentAt) = _ids.Next(heads[message.Sender], previousId);
        var document = MessageDocument.From(id, message, sentAt, previousId);
        await _messages.InsertOneAsync(session, document, cancellationToken: cancellationToken);
        await _heads.UpdateManyAsync(session, Builders<HeadDocument>.Filter.In(h => h.User, participants),
            Builders<HeadDocument>.Update.Set(h => h.LastId, id), cancellationToken: cancellationToken);
        return new StoreResult(document.ToStored(), Duplicate: false, previousId);
    }

    public async Task<IReadOnlyList<StoredMessage>> HistoryAsync(string user, string peer, string? before, int limit, CancellationToken cancellationToken)
    {
        var filter = Builders<MessageDocument>.Filter.Eq(m => m.Conversation, MessageDocument.ConversationOf(user, peer));
        if (!string.IsNullOrEmpty(before))
        {
            filter &= Builders<MessageDocument>.Filter.Lt(m => m.Id, before);
        }
        var found = await _messages.Find(filter).SortByDescending(m => m.Id).Limit(limit).ToListAsync(cancellationToken);
        return [.. found.Select(m => m.ToStored())];
    }

    public async Task<SyncPage> SyncAsync(string user, string? after, int limit, CancellationToken cancellationToken)
    {
        var start = after ?? (await _heads.Find(h => h.User == user).FirstOrDefaultAsync(cancellationToken))?.DeliveredUpTo ?? "";
        var filter = Builders<MessageDocument>.Filter;
        var found = await _messages.Find(filter.Eq(m => m.Recipient, user) & filter.Gt(m => m.Id, start))
            .SortBy(m => m.Id).Limit(limit + 1).ToListAsync(cancellationToken);
        var hasMore = found.Count > limit;
        return new SyncPage(start, [.. found.Take(limit).Select(m => m.ToStored())], hasMore);
    }

    public async Task<string> AckDeliveredAsync(string user, string upTo, CancellationToken cancellationToken)
    {
        var head = await _heads.FindOneAndUpdateAsync(
            Builders<HeadDocument>.Filter.Eq(h => h.User, user),
            Builders<HeadDocument>.Update.Max(h => h.DeliveredUpTo, upTo).SetOnInsert(h => h.LastId, ""),
            new FindOneAndUpdateOptions<HeadDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After },
            cancellationToken);
        return head.DeliveredUpTo;
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
            return true;
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "MongoDB message store ready (indexes ensured)")]
    private static partial void LogReady(ILogger logger);

    private sealed class HeadDocument
    {
        [BsonId] public string User { get; set; } = "";
        [BsonElement("last_id")] public string LastId { get; set; } = "";
        [BsonElement("delivered_up_to")] public string DeliveredUpTo { get; set; } = "";
        [BsonElement("version")] public long Version { get; set; }
    }

    private sealed class MessageDocument
    {
        [BsonId] public string Id { get; set; } = "";
        [BsonElement("sender")] public string Sender { get; set; } = "";
        [BsonElement("recipient")] public string Recipient { get; set; } = "";
        [BsonElement("conversation")] public string Conversation { get; set; } = "";
        [BsonElement("text")] public string Text { get; set; } = "";
        [BsonElement("sent_at")] public DateTime SentAt { get; set; }
        [BsonElement("client_id"), BsonIgnoreIfNull] public string? ClientId { get; set; }
        [BsonElement("previous_id")] public string PreviousId { get; set; } = "";

        public static string ConversationOf(string a, string b) =>
            string.CompareOrdinal(a, b) <= 0 ? $"{a}\n{b}" : $"{b}\n{a}";

        public static MessageDocument From(string id, NewMessage message, DateTime sentAt, string previousId) => new()
        {
            Id = id,
            Sender = message.Sender,
            Recipient = message.Recipient,
            Conversation = ConversationOf(message.Sender, message.Recipient),
            Text = message.Text,
            SentAt = sentAt,
            ClientId = message.ClientId,
            PreviousId = previousId,
        };

        public StoredMessage ToStored() => new(Id, Sender, Recipient, Text, DateTime.SpecifyKind(SentAt, DateTimeKind.Utc), ClientId);
    }
}
