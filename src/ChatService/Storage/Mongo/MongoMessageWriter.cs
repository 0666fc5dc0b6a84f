using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// Writes one message in a transaction the way that keeps ids ordered (docs/chat-service.md):
/// read the inbox heads of the sender and every receiver, take an id above all of them, write
/// the heads back. A concurrent writer to any of those users conflicts on a head document and is
/// retried (<see cref="MongoTransaction"/>) after this transaction commits, so it reads the new head and gets a
/// greater id.
/// </summary>
internal static class MongoMessageWriter
{
    private const int MaxAttempts = 5;

    /// <summary>
    /// Runs <paramref name="write"/> in a transaction until it commits, or answers with the
    /// message already stored under the sender's client id.
    /// </summary>
    public static async Task<StoreResult> StoreAsync(MongoCollections db, string sender, string? clientId,
        Func<IClientSessionHandle, CancellationToken, Task<StoreResult>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.InTransactionAsync(write, cancellationToken);
            }
            catch (Exception e) when (MongoCollections.IsDuplicateKey(e))
            {
                // Either the client id was stored first by another call (answer with that message),
                // or two unrelated conversations took the same id in the same microsecond (try again).
                if (clientId is not null)
                {
                    var first = await db.RunAsync(() => db.Messages.Find(MongoQueries.ByClientId(sender, clientId)).FirstOrDefaultAsync(cancellationToken), cancellationToken);
                    if (first is not null)
                    {
                        return new StoreResult(MongoQueries.ToStored(first), first.PreviousId, Duplicate: true);
                    }
                }
                if (attempt >= MaxAttempts)
                {
                    throw new StoreUnavailableException("the message store is too busy, try again", e);
                }
            }
        }
    }

    public static async Task<StoreResult> WriteAsync(IClientSessionHandle session, MongoCollections db, Outgoing message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string[] users = [.. message.Receivers.Append(message.Sender).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var heads = await db.Heads.Find(session, Builders<InboxHeadDocument>.Filter.In(h => h.User, users)).ToListAsync(cancellationToken);
        var id = MessageClock.NextId(now, heads.Select(h => h.LastId).Append(0));
        var previousId = message.Recipient is null ? 0 : heads.FirstOrDefault(h => h.User == message.Recipient)?.LastReceivedId ?? 0;

        var receivers = message.Receivers.ToHashSet(StringComparer.Ordinal);
        await db.Heads.BulkWriteAsync(session, users.Select(user =>
        {
            var update = Builders<InboxHeadDocument>.Update.Set(h => h.LastId, id);
            if (receivers.Contains(user))
            {
                update = update.Set(h => h.LastReceivedId, id);
            }
            return new UpdateOneModel<InboxHeadDocument>(Builders<InboxHeadDocument>.Filter.Eq(h => h.User, user), update) { IsUpsert = true };
        }), cancellationToken: cancellationToken);

        var document = new MessageDocument
        {
            Id = MongoCollections.Id(id),
            Conversation = message.Conversation,
            Sender = message.Sender,
            Recipient = message.Recipient,
            GroupId = message.GroupId,
            Text = message.Text,
            ClientId = message.ClientId,
            PreviousId = previousId,
            // BSON dates keep milliseconds: the answer carries what a retry will read back.
            SentAt = new DateTime(now.UtcDateTime.Ticks - (now.UtcDateTime.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc),
        };
        await db.Messages.InsertOneAsync(session, document, cancellationToken: cancellationToken);

        var conversations = Builders<ConversationDocument>.Filter;
        if (message.GroupId is null)
        {
            // Each side's entry in their conversation list (one entry for a note to self).
            var sides = message.Sender == message.Recipient
                ? new[] { (User: message.Sender, Peer: message.Recipient!) }
                : [(message.Sender, message.Recipient!), (message.Recipient!, message.Sender)];
            await db.Conversations.BulkWriteAsync(session, sides.Select(side => new UpdateOneModel<ConversationDocument>(
                conversations.Eq(c => c.User, side.User) & conversations.Eq(c => c.Conversation, message.Conversation),
                Builders<ConversationDocument>.Update.Set(c => c.LastActivity, id).SetOnInsert(c => c.Peer, side.Peer)
                    .SetOnInsert(c => c.ReadUpTo, "").SetOnInsert(c => c.VisibleFrom, "")) { IsUpsert = true }), cancellationToken: cancellationToken);
        }
        else
        {
            await db.InboxEntries.InsertManyAsync(session, message.Receivers.Select(r => new InboxEntryDocument { User = r, MessageId = document.Id }), cancellationToken: cancellationToken);
            await db.Conversations.UpdateManyAsync(session, conversations.Eq(c => c.Conversation, message.Conversation),
                Builders<ConversationDocument>.Update.Set(c => c.LastActivity, id), cancellationToken: cancellationToken);
        }
        return new StoreResult(MongoQueries.ToStored(document), previousId, Duplicate: false)
        {
            MemberPreviousIds = message.GroupId is null
                ? new Dictionary<string, long>()
                : message.Receivers.Distinct(StringComparer.Ordinal).ToDictionary(
                    r => r, r => heads.FirstOrDefault(h => h.User == r)?.LastReceivedId ?? 0, StringComparer.Ordinal),
        };
    }
}
