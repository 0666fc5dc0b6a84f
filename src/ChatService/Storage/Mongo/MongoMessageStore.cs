using Chat.ChatService.Messages;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// The MongoDB store. A store runs in a transaction (so MongoDB must be a replica set, a single
/// node one will do) that reads the inbox heads of sender and recipient, takes an id above both
/// and writes them back: a concurrent store to the same user conflicts on the head document and
/// is retried by the driver after this one commits, so it gets a greater id and commits later.
/// </summary>
public sealed class MongoMessageStore : IMessageStore
{
    internal const string MessagesCollection = "messages";
    internal const string HeadsCollection = "inboxHeads";
    internal const string MarksCollection = "deliveryMarks";
    private const int MaxAttempts = 5;

    private readonly IMongoClient _client;
    private readonly IMongoDatabase _database;
    private readonly IMongoCollection<MessageDocument> _messages;
    private readonly IMongoCollection<InboxHeadDocument> _heads;
    private readonly IMongoCollection<DeliveryMarkDocument> _marks;
    private readonly TimeProvider _clock;
    private readonly InitializeOnce _schema;

    public MongoMessageStore(IMongoClient client, string databaseName, TimeProvider clock)
    {
        _client = client;
        _database = client.GetDatabase(databaseName);
        _messages = _database.GetCollection<MessageDocument>(MessagesCollection);
        _heads = _database.GetCollection<InboxHeadDocument>(HeadsCollection);
        _marks = _database.GetCollection<DeliveryMarkDocument>(MarksCollection);
        _clock = clock;
        _schema = new InitializeOnce(CreateCollectionsAndIndexesAsync);
    }

    /// <summary>The indexes history, sync and idempotency need.</summary>
    internal static IReadOnlyList<CreateIndexModel<MessageDocument>> MessageIndexes { get; } =
    [
        new(Builders<MessageDocument>.IndexKeys.Ascending(m => m.Conversation).Descending(m => m.Id),
            new CreateIndexOptions { Name = "conversation_id" }),
        new(Builders<MessageDocument>.IndexKeys.Ascending(m => m.Recipient).Ascending(m => m.Id),
            new CreateIndexOptions<MessageDocument>
            {
                Name = "recipient_id",
                PartialFilterExpression = Builders<MessageDocument>.Filter.Type(m => m.Recipient, BsonType.String),
            }),
        new(Builders<MessageDocument>.IndexKeys.Ascending(m => m.Sender).Ascending(m => m.ClientId),
            new CreateIndexOptions<MessageDocument>
            {
                Name = "sender_clientId",
                Unique = true,
                // Idempotency keys are kept as long as the message (forever), more than the contract's 24 hours.
                PartialFilterExpression = Builders<MessageDocument>.Filter.Type(m => m.ClientId, BsonType.String),
            }),
    ];

    public Task InitializeAsync(CancellationToken cancellationToken) => _schema.EnsureAsync(cancellationToken);

    private Task CreateCollectionsAndIndexesAsync(CancellationToken cancellationToken) => RunAsync(async () =>
    {
        // Collections are created up front: creating one inside a transaction is not allowed everywhere.
        var existing = await (await _database.ListCollectionNamesAsync(cancellationToken: cancellationToken)).ToListAsync(cancellationToken);
        foreach (var name in new[] { MessagesCollection, HeadsCollection, MarksCollection }.Except(existing))
        {
            await _database.CreateCollectionAsync(name, cancellationToken: cancellationToken);
        }
        await _messages.Indexes.CreateManyAsync(MessageIndexes, cancellationToken);
        return true;
    });

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        await RunAsync(() => _database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken));
    }

    public async Task<StoreResult> StoreAsync(NewMessage message, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunAsync(() => InsertAsync(message, cancellationToken));
            }
            catch (Exception e) when (IsDuplicateKey(e) && attempt < MaxAttempts)
            {
                // Either the client id was stored first by another call (answer with that message),
                // or two unrelated conversations took the same id in the same microsecond (try again).
                if (message.ClientId is not null)
                {
                    var first = await RunAsync(() => _messages.Find(ByClientId(message.Sender, message.ClientId)).FirstOrDefaultAsync(cancellationToken));
                    if (first is not null)
                    {
                        return new StoreResult(ToStored(first), first.PreviousId, Duplicate: true);
                    }
                }
            }
        }
    }

    private async Task<StoreResult> InsertAsync(NewMessage message, CancellationToken cancellationToken)
    {
        string[] users = message.Sender == message.Recipient ? [message.Sender] : [message.Sender, message.Recipient];
        using var session = await _client.StartSessionAsync(cancellationToken: cancellationToken);
        var options = new TransactionOptions(ReadConcern.Snapshot, writeConcern: WriteConcern.WMajority);
        return await session.WithTransactionAsync(async (s, ct) =>
        {
            var heads = await _heads.Find(s, Builders<InboxHeadDocument>.Filter.In(h => h.User, users)).ToListAsync(ct);
            var now = _clock.GetUtcNow();
            var id = MessageClock.NextId(now, heads.Select(h => h.LastId).Append(0));
            var previousId = heads.FirstOrDefault(h => h.User == message.Recipient)?.LastReceivedId ?? 0;

            foreach (var user in users.Order(StringComparer.Ordinal))
            {
                var update = Builders<InboxHeadDocument>.Update.Set(h => h.LastId, id);
                if (user == message.Recipient)
                {
                    update = update.Set(h => h.LastReceivedId, id);
                }
                await _heads.UpdateOneAsync(s, h => h.User == user, update, new UpdateOptions { IsUpsert = true }, ct);
            }

            var document = new MessageDocument
            {
                Id = MessageId.Format(id),
                Conversation = ConversationKey.Direct(message.Sender, message.Recipient),
                Sender = message.Sender,
                Recipient = message.Recipient,
                Text = message.Text,
                ClientId = message.ClientId,
                PreviousId = previousId,
                // BSON dates keep milliseconds: the answer carries what a retry will read back.
                SentAt = TruncateToMilliseconds(now.UtcDateTime),
            };
            await _messages.InsertOneAsync(s, document, cancellationToken: ct);
            return new StoreResult(ToStored(document), previousId, Duplicate: false);
        }, options, cancellationToken);
    }

    public async Task<MessagePage> GetConversationAsync(string user, string peer, long before, int limit, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        var documents = await RunAsync(() => _messages
            .Find(ConversationFilter(user, peer, before))
            .Sort(NewestFirst)
            .Limit(limit + 1)
            .ToListAsync(cancellationToken));
        return Page(documents, limit);
    }

    public async Task<InboxPage> GetInboxAsync(string user, long? after, int limit, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return await RunAsync(async () =>
        {
            var start = after ?? (await _marks.Find(m => m.User == user).FirstOrDefaultAsync(cancellationToken))?.UpTo ?? 0;
            var documents = await _messages
                .Find(InboxFilter(user, start))
                .Sort(OldestFirst)
                .Limit(limit + 1)
                .ToListAsync(cancellationToken);
            var page = Page(documents, limit);
            return new InboxPage(start, page.Messages, page.HasMore);
        });
    }

    public async Task<long> AdvanceDeliveryMarkAsync(string user, long upTo, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return await RunAsync(async () =>
        {
            // Capped at the last message the user received, so a wild ack cannot hide future ones.
            var head = await _heads.Find(h => h.User == user).FirstOrDefaultAsync(cancellationToken);
            var capped = Math.Min(upTo, head?.LastReceivedId ?? 0);
            var mark = await _marks.FindOneAndUpdateAsync(
                Builders<DeliveryMarkDocument>.Filter.Eq(m => m.User, user),
                Builders<DeliveryMarkDocument>.Update.Max(m => m.UpTo, capped),
                new FindOneAndUpdateOptions<DeliveryMarkDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After },
                cancellationToken);
            return mark.UpTo;
        });
    }

    internal static SortDefinition<MessageDocument> NewestFirst => Builders<MessageDocument>.Sort.Descending(m => m.Id);

    internal static SortDefinition<MessageDocument> OldestFirst => Builders<MessageDocument>.Sort.Ascending(m => m.Id);

    internal static FilterDefinition<MessageDocument> ConversationFilter(string user, string peer, long before)
    {
        var filter = Builders<MessageDocument>.Filter.Eq(m => m.Conversation, ConversationKey.Direct(user, peer));
        return before == 0 ? filter : filter & Builders<MessageDocument>.Filter.Lt(m => m.Id, MessageId.Format(before));
    }

    internal static FilterDefinition<MessageDocument> InboxFilter(string user, long after) =>
        Builders<MessageDocument>.Filter.Eq(m => m.Recipient, user)
        & Builders<MessageDocument>.Filter.Gt(m => m.Id, MessageId.Format(after));

    internal static FilterDefinition<MessageDocument> ByClientId(string sender, string clientId) =>
        Builders<MessageDocument>.Filter.Eq(m => m.Sender, sender)
        & Builders<MessageDocument>.Filter.Eq(m => m.ClientId, clientId);

    private static MessagePage Page(List<MessageDocument> documents, int limit)
    {
        var hasMore = documents.Count > limit;
        return new MessagePage([.. documents.Take(limit).Select(ToStored)], hasMore);
    }

    internal static StoredMessage ToStored(MessageDocument d) => new(
        long.Parse(d.Id, System.Globalization.CultureInfo.InvariantCulture),
        d.Sender,
        d.Recipient,
        d.GroupId,
        d.Text,
        new DateTimeOffset(DateTime.SpecifyKind(d.SentAt, DateTimeKind.Utc)),
        d.ClientId);

    private static DateTime TruncateToMilliseconds(DateTime t) =>
        new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);

    private static bool IsDuplicateKey(Exception e) => e switch
    {
        MongoWriteException w => w.WriteError?.Category == ServerErrorCategory.DuplicateKey,
        MongoCommandException c => c.Code == 11000,
        StoreUnavailableException => false,
        _ => e.InnerException is not null && IsDuplicateKey(e.InnerException),
    };

    /// <summary>Unreachable servers (no primary, lost connections, selection timeouts) become <see cref="StoreUnavailableException"/>.</summary>
    private static async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception e) when (e is MongoConnectionException or MongoNotPrimaryException or MongoNodeIsRecoveringException or TimeoutException)
        {
            throw new StoreUnavailableException("MongoDB is unavailable: " + e.Message, e);
        }
    }
}
