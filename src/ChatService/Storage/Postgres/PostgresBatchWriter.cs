using Npgsql;
using static Chat.ChatService.Storage.Postgres.PostgresRows;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// Writes many 1:1 messages in one transaction with the guarantees of
/// <see cref="PostgresMessageWriter"/>: the inbox heads of every sender and recipient in the
/// batch are locked in username order, ids are handed out in the batch's order above those heads,
/// and the locks are held until the commit. Because every store locks its sender's head, the
/// client ids looked up under that lock cannot be stored by anyone else meanwhile.
/// </summary>
internal static class PostgresBatchWriter
{
    /// <summary>
    /// The messages already stored under the batch's (sender, client id) pairs ($1, $2): one probe
    /// of the idempotency index per pair, whatever the statistics say. As a plain
    /// <c>IN (SELECT * FROM unnest(…))</c> it read every message with a client id at each batch
    /// when the statistics were taken while few had one (a database with a million older
    /// messages is re-analysed only after 100,000 more: 40 ms a batch a few seconds into a
    /// benchmark, docs/benchmarks.md). LIMIT 1 (the pair is unique) keeps PostgreSQL from
    /// folding the lateral subquery back into that join.
    /// </summary>
    internal const string StoredByClientId =
        $"SELECT {MessageColumns}, previous_id FROM unnest($1, $2) AS k(wanted_sender, wanted_client_id) "
        + "CROSS JOIN LATERAL (SELECT * FROM messages WHERE sender = k.wanted_sender AND client_id = k.wanted_client_id LIMIT 1) m";

    public static async Task<StoreResult[]> WriteAsync(NpgsqlConnection connection, IReadOnlyList<NewMessage> batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        string[] users = [.. batch.SelectMany(m => new[] { m.Sender, m.Recipient }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

        Dictionary<string, (long LastId, long LastReceivedId)> heads;
        var stored = new Dictionary<(string Sender, string ClientId), StoreResult>();
        await using (var read = new NpgsqlBatch(connection, transaction))
        {
            // Prepared statements are planned once per connection (a generic plan), except where
            // PostgreSQL prices a custom plan lower: the lookup by client id below, whose arrays
            // it counts when planning for their values, was planned again at every batch (most of
            // its cost: docs/benchmarks.md). Every statement here finds rows by key, so one plan
            // serves any batch.
            read.BatchCommands.Add(Command("SET LOCAL plan_cache_mode = force_generic_plan"));
            InboxHeads.AddLock(read, users);
            var keyed = batch.Where(m => m.ClientId is not null).ToList();
            read.BatchCommands.Add(Command(StoredByClientId,
                TextArray([.. keyed.Select(m => m.Sender)]), TextArray([.. keyed.Select(m => m.ClientId!)])));
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            heads = await InboxHeads.ReadAsync(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var message = ReadMessage(reader);
                stored[(message.Sender, message.ClientId!)] = new StoreResult(message, reader.GetInt64(7), Duplicate: true);
            }
        }

        var sentAt = TruncateToMicroseconds(now);
        var results = new StoreResult[batch.Count];
        var fresh = new List<StoreResult>();
        for (var i = 0; i < batch.Count; i++)
        {
            var m = batch[i];
            if (m.ClientId is not null && stored.TryGetValue((m.Sender, m.ClientId), out var first))
            {
                results[i] = first with { Duplicate = true };
                continue;
            }
            var id = MessageClock.NextId(now, [heads[m.Sender].LastId, heads[m.Recipient].LastId]);
            var previousId = heads[m.Recipient].LastReceivedId;
            heads[m.Sender] = (id, heads[m.Sender].LastReceivedId);
            heads[m.Recipient] = (id, id);
            results[i] = new StoreResult(new StoredMessage(id, m.Sender, m.Recipient, null, m.Text, sentAt, m.ClientId), previousId, Duplicate: false);
            fresh.Add(results[i]);
            if (m.ClientId is not null)
            {
                stored[(m.Sender, m.ClientId)] = results[i];
            }
        }

        if (fresh.Count > 0)
        {
            await using var write = new NpgsqlBatch(connection, transaction);
            write.BatchCommands.Add(Command(
                "UPDATE inbox_heads h SET last_id = n.last_id, last_received_id = n.last_received_id FROM unnest($1, $2, $3) AS n(username, last_id, last_received_id) WHERE h.username = n.username",
                TextArray(users), BigintArray([.. users.Select(u => heads[u].LastId)]), BigintArray([.. users.Select(u => heads[u].LastReceivedId)])));
            write.BatchCommands.Add(Command(
                "INSERT INTO messages (id, conversation, sender, recipient, body, client_id, previous_id, sent_at) "
                + "SELECT id, conversation, sender, recipient, body, NULLIF(client_id, ''), previous_id, $8 FROM unnest($1, $2, $3, $4, $5, $6, $7) "
                + "AS n(id, conversation, sender, recipient, body, client_id, previous_id)",
                BigintArray([.. fresh.Select(r => r.Message.Id)]),
                TextArray([.. fresh.Select(r => Messages.ConversationKey.Direct(r.Message.Sender, r.Message.Recipient!))]),
                TextArray([.. fresh.Select(r => r.Message.Sender)]),
                TextArray([.. fresh.Select(r => r.Message.Recipient!)]),
                TextArray([.. fresh.Select(r => r.Message.Text)]),
                TextArray([.. fresh.Select(r => r.Message.ClientId ?? "")]),
                BigintArray([.. fresh.Select(r => r.PreviousId)]),
                new NpgsqlParameter<DateTimeOffset> { TypedValue = sentAt }));
            // One row per user and conversation, at its latest id (a statement may touch a row once).
            var latest = fresh
                .SelectMany(r => new[] { (User: r.Message.Sender, Peer: r.Message.Recipient!, r.Message.Id), (User: r.Message.Recipient!, Peer: r.Message.Sender, r.Message.Id) })
                .GroupBy(x => (x.User, x.Peer))
                .Select(g => (g.Key.User, g.Key.Peer, Id: g.Max(x => x.Id)))
                .ToList();
            string[] owners = [.. latest.Select(x => x.User)];
            string[] keys = [.. latest.Select(x => Messages.ConversationKey.Direct(x.User, x.Peer))];
            long[] activity = [.. latest.Select(x => x.Id)];
            Conversations.AddMoves(write, owners, keys, [.. latest.Select(x => x.Peer)], activity);
            // The commit goes with the writes, one round trip instead of two. The batch's
            // statements run in order and stop at the first error, so COMMIT runs only after all
            // of them succeeded; it answers once the commit is flushed (synchronous_commit), and
            // the transaction then reads as completed (its disposal rolls back nothing).
            write.BatchCommands.Add(Command("COMMIT"));
            await write.ExecuteNonQueryAsync(cancellationToken);
            return results;
        }
        await transaction.CommitAsync(cancellationToken);
        return results;
    }
}
