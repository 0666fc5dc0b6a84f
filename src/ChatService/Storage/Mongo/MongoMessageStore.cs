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

    public Task<InboxPage> GetInboxAsync(string user, long? after, int limit, CancellationToken cancellationToken) =>
        db.RunAsync(async () =>
        {
            var start = after ?? (await db.Marks.Find(m => m.User == user).FirstOrDefaultAsync(cancellationToken))?.UpTo ?? 0;
            var direct = await db.Messages
                .Find(MongoQueries.InboxFilter(user, start))
                .Sort(MongoQueries.OldestFirst)
                .Limit(limit + 1)
                .ToListAsync(cancellationToken);
            var entries = await db.InboxEntries
                .Find(Builders<InboxEntryDocument>.Filter.Eq(e => e.User, user) & Builders<InboxEntryDocument>.Filter.Gt(e => e.MessageId, MongoCollections.Id(start)))
                .Sort(Builders<InboxEntryDocument>.Sort.Ascending(e => e.MessageId))
                .Limit(limit + 1)
                .ToListAsync(cancellationToken);
            var fromGroups = entries.Count == 0
                ? []
                : await db.Messages.Find(Builders<MessageDocument>.Filter.In(m => m.Id, entries.Select(e => e.MessageId))).ToListAsync(cancellationToken);
            var page = MongoQueries.Page(direct.Concat(fromGroups).OrderBy(m => m.Id, StringComparer.Ordinal), limit);
            return new InboxPage(start, page.Messages, page.HasMore);
        }, cancellationToken);

    public async Task<IReadOnlyList<long>> AdvanceDeliveryMarksAsync(IReadOnlyList<DeliveryMark> marks, CancellationToken cancellationToken)
    {
        var result = new long[marks.Count];
        for (var i = 0; i < marks.Count; i++)
        {
            result[i] = await AdvanceDeliveryMarkAsync(marks[i].User, marks[i].UpTo, cancellationToken);
        }
        return result;
    }

    private Task<long> AdvanceDeliveryMarkAsync(string user, long upTo, CancellationToken cancellationToken) =>
        db.RunAsync(async () =>
        {
            // Capped at the last message the user received, so a wild ack cannot hide future ones.
            var head = await db.Heads.Find(h => h.User == user).FirstOrDefaultAsync(cancellationToken);
            var capped = Math.Min(upTo, head?.LastReceivedId ?? 0);
            var mark = await db.Marks.FindOneAndUpdateAsync(
                Builders<DeliveryMarkDocument>.Filter.Eq(m => m.User, user),
                Builders<DeliveryMarkDocument>.Update.Max(m => m.UpTo, capped),
                new FindOneAndUpdateOptions<DeliveryMarkDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After },
                cancellationToken);
            return mark.UpTo;
        }, cancellationToken);
}
