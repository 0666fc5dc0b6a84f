using Chat.ChatService.Messages;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// The MongoDB database both stores share: its collections and indexes (created once, at
/// start), and the one way to run work against it, which turns an unreachable server into
/// <see cref="StoreUnavailableException"/>.
/// </summary>
public sealed class MongoCollections
{
    private readonly InitializeOnce _schema;

    public MongoCollections(IMongoClient client, string databaseName)
    {
        Client = client;
        Database = client.GetDatabase(databaseName);
        Messages = Database.GetCollection<MessageDocument>("messages");
        Heads = Database.GetCollection<InboxHeadDocument>("inboxHeads");
        Marks = Database.GetCollection<DeliveryMarkDocument>("deliveryMarks");
        Groups = Database.GetCollection<GroupDocument>("groups");
        InboxEntries = Database.GetCollection<InboxEntryDocument>("inboxEntries");
        Conversations = Database.GetCollection<ConversationDocument>("conversations");
        _schema = new InitializeOnce(CreateAsync);
    }

    public IMongoClient Client { get; }

    public IMongoDatabase Database { get; }

    internal IMongoCollection<MessageDocument> Messages { get; }

    internal IMongoCollection<InboxHeadDocument> Heads { get; }

    internal IMongoCollection<DeliveryMarkDocument> Marks { get; }

    internal IMongoCollection<GroupDocument> Groups { get; }

    internal IMongoCollection<InboxEntryDocument> InboxEntries { get; }

    internal IMongoCollection<ConversationDocument> Conversations { get; }

    public Task InitializeAsync(CancellationToken cancellationToken) => _schema.EnsureAsync(cancellationToken);

    /// <summary>Runs <paramref name="work"/> once the collections exist; an unreachable server becomes <see cref="StoreUnavailableException"/>.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return await Unreachable(work);
    }

    /// <summary>Runs <paramref name="work"/> in a transaction of its own (<see cref="MongoTransaction"/>), retried on transient errors.</summary>
    public Task<T> InTransactionAsync<T>(Func<IClientSessionHandle, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            using var session = await Client.StartSessionAsync(cancellationToken: cancellationToken);
            return await MongoTransaction.RunAsync(session, work, Transaction, cancellationToken);
        }, cancellationToken);

    /// <summary>The same session's transaction options everywhere: snapshot reads, majority writes.</summary>
    internal static TransactionOptions Transaction { get; } = new(ReadConcern.Snapshot, writeConcern: WriteConcern.WMajority);

    /// <summary>
    /// A session whose reads all see one snapshot: the driver sends readConcern snapshot and, from
    /// the second read on, the first one's atClusterTime (ReadConcernHelper.cs; MongoDB 5.0 or later).
    /// </summary>
    internal static ClientSessionOptions SnapshotReads => new() { Snapshot = true };

    internal static bool IsDuplicateKey(Exception e) => e switch
    {
        MongoWriteException w => w.WriteError?.Category == ServerErrorCategory.DuplicateKey,
        MongoBulkWriteException b => b.WriteErrors.Any(x => x.Category == ServerErrorCategory.DuplicateKey),
        MongoCommandException c => c.Code == 11000,
        StoreUnavailableException => false,
        _ => e.InnerException is not null && IsDuplicateKey(e.InnerException),
    };

    private Task CreateAsync(CancellationToken cancellationToken) => Unreachable(async () =>
    {
        // Collections are created up front: creating one inside a transaction is not allowed everywhere.
        var existing = await (await Database.ListCollectionNamesAsync(cancellationToken: cancellationToken)).ToListAsync(cancellationToken);
        foreach (var name in new[] { "messages", "inboxHeads", "deliveryMarks", "groups", "inboxEntries", "conversations" }.Except(existing))
        {
            await MongoSchema.CreateCollectionAsync(Database, name, cancellationToken);
        }
        await MongoSchema.EnsureIndexesAsync(Messages, MongoQueries.MessageIndexes, cancellationToken);
        await MongoSchema.EnsureIndexesAsync(Groups,
        [
            new CreateIndexModel<GroupDocument>(Builders<GroupDocument>.IndexKeys.Ascending("members.user"), new CreateIndexOptions { Name = "members_user" }),
        ], cancellationToken);
        await MongoSchema.EnsureIndexesAsync(InboxEntries,
        [
            new CreateIndexModel<InboxEntryDocument>(
                Builders<InboxEntryDocument>.IndexKeys.Ascending(e => e.User).Ascending(e => e.MessageId),
                new CreateIndexOptions { Name = "user_messageId", Unique = true }),
        ], cancellationToken);
        await MongoSchema.EnsureIndexesAsync(Conversations,
        [
            new CreateIndexModel<ConversationDocument>(
                Builders<ConversationDocument>.IndexKeys.Ascending(c => c.User).Ascending(c => c.Conversation),
                new CreateIndexOptions { Name = "user_conversation", Unique = true }),
            new CreateIndexModel<ConversationDocument>(
                Builders<ConversationDocument>.IndexKeys.Ascending(c => c.User).Descending(c => c.LastActivity).Descending(c => c.Conversation),
                new CreateIndexOptions { Name = "user_recent" }),
            new CreateIndexModel<ConversationDocument>(
                Builders<ConversationDocument>.IndexKeys.Ascending(c => c.Conversation), new CreateIndexOptions { Name = "conversation" }),
        ], cancellationToken);
        return true;
    });

    private static async Task<T> Unreachable<T>(Func<Task<T>> work)
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

    /// <summary>A message id as the documents keep it: the 20-digit string ("" for none).</summary>
    internal static string Id(long id) => MessageId.Format(id);
}
