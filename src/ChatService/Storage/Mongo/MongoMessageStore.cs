using Chat.ChatService.Messages;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// The MongoDB message store. Stores run in transactions (<see cref="MongoMessageWriter"/>), so
/// MongoDB must be a replica set (a single-node one will do). The inbox a user syncs is their
/// 1:1 messages and the group messages fanned out to them.
/// </summary>
public sealed class MongoMessageStore(MongoCollections db, TimeProvider clock) : IMessageStore
{
    public Task InitializeAsync(CancellationToken cancellationToken) => db.InitializeAsync(cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) =>
        db.RunAsync(() => db.Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken), cancellationToken);

    public Task<StoreResult> StoreAsync(NewMessage message, CancellationToken cancellationToken)
    {
        var outgoing = new Outgoing(message.Sender, message.Recipient, null, [message.Recipient], message.Text, message.ClientId);
        return MongoMessageWriter.StoreAsync(db, message.Sender, message.ClientId,
            (session, ct) => MongoMessageWriter.WriteAsync(session, db, outgoing, clock.GetUtcNow(), ct), cancellationToken);
    }

    public async Task<MessagePage> GetConversationAsync(string user, string peer, long before, int limit, CancellationToken cancellationToken)
    {
        var documents = await db.RunAsync(() => db.Messages
            .Find(MongoQueries.ConversationFilter(ConversationKey.Direct(user, peer), before))
            .Sort(MongoQueries.NewestFirst)
            .Limit(limit + 1)
            .ToListAsync(cancellationToken), cancellationToken);
        return MongoQueries.Page(documents, limit);
    }

    /// <summary>
    /// One snapshot for the whole page: read apart, a direct message committed between the two
    /// queries, below a group message the second one returns, would be skipped by the next page's cursor.
    /// </summary>
    public Task<InboxPage> GetInboxAsync(string user, long? after, int limit, CancellationToken cancellationToken) =>
        db.RunAsync(async () =>
        {
            using var snapshot = await db.Client.StartSessionAsync(MongoCollections.SnapshotReads, cancellationToken);
            var start = after ?? (await db.Marks.Find(snapshot, m => m.User == user).FirstOrDefaultAsync(cancellationToken))?.UpTo ?? 0;
            var direct = await db.Messages
                .Find(snapshot, MongoQueries.InboxFilter(user, start))
                .Sort(MongoQueries.OldestFirst)
                .Limit(limit + 1)
                .ToListAsync(cancellationToken);
            var entries = await db.InboxEntries
                .Find(snapshot, Builders<InboxEntryDocument>.Filter.Eq(e => e.User, user) & Builders<InboxEntryDocument>.Filter.Gt(e => e.MessageId, MongoCollections.Id(start)))
                .Sort(Builders<InboxEntryDocument>.Sort.Ascending(e => e.MessageId))
                .Limit(limit + 1)
                .ToListAsync(cancellationToken);
            var fromGroups = entries.Count == 0
                ? []
                : await db.Messages.Find(snapshot, Builders<MessageDocument>.Filter.In(m => m.Id, entries.Select(e => e.MessageId))).ToListAsync(cancellationToken);
            var page = MongoQueries.Page(direct.Concat(fromGroups).OrderBy(m => m.Id, StringComparer.Ordinal), limit);
            return new InboxPage(start, page.Messages, page.HasMore);
        }, cancellationToken);

    /// <summary>
    /// One read and one bulk write for the whole batch (<see cref="MongoDeliveryMarks"/>). Two
    /// batches for one user at once may answer a mark below the other's; the stored mark is the higher.
    /// </summary>
    public Task<IReadOnlyList<long>> AdvanceDeliveryMarksAsync(IReadOnlyList<DeliveryMark> marks, CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyList<long>>(async () =>
        {
            var users = marks.Select(m => m.User).Distinct(StringComparer.Ordinal);
            var state = await (await db.Heads.AggregateAsync(MongoDeliveryMarks.StatePipeline(users), cancellationToken: cancellationToken)).ToListAsync(cancellationToken);
            var (result, writes) = MongoDeliveryMarks.Plan(marks, state);
            if (writes.Count > 0)
            {
                await db.Marks.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
            }
            return result;
        }, cancellationToken);
}
