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
/// <remarks>
/// It runs once per group commit, so what it builds is built for every batch: the arrays of the
/// statements are filled in plain loops, each conversation key made once (issue 22's allocation
/// profile found LINQ's iterators, groupings and repeated keys among ChatService's largest costs).
/// </remarks>
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
        var users = UsersInOrder(batch);

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
            var (keyedSenders, keyedClientIds) = ClientIdKeys(batch);
            read.BatchCommands.Add(Command(StoredByClientId, TextArray(keyedSenders), TextArray(keyedClientIds)));
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
        var fresh = new List<(StoreResult Result, string Conversation)>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var m = batch[i];
            if (m.ClientId is not null && stored.TryGetValue((m.Sender, m.ClientId), out var first))
            {
                results[i] = first with { Duplicate = true };
                continue;
            }
            var id = MessageClock.NextId(now, heads[m.Sender].LastId, heads[m.Recipient].LastId);
            var previousId = heads[m.Recipient].LastReceivedId;
            heads[m.Sender] = (id, heads[m.Sender].LastReceivedId);
            heads[m.Recipient] = (id, id);
            results[i] = new StoreResult(new StoredMessage(id, m.Sender, m.Recipient, null, m.Text, sentAt, m.ClientId), previousId, Duplicate: false);
            fresh.Add((results[i], Messages.ConversationKey.Direct(m.Sender, m.Recipient)));
            if (m.ClientId is not null)
            {
                stored[(m.Sender, m.ClientId)] = results[i];
            }
        }

        if (fresh.Count > 0)
        {
            await using var write = new NpgsqlBatch(connection, transaction);
            var lastIds = new long[users.Length];
            var lastReceivedIds = new long[users.Length];
            for (var u = 0; u < users.Length; u++)
            {
                (lastIds[u], lastReceivedIds[u]) = heads[users[u]];
            }
            write.BatchCommands.Add(Command(
                "UPDATE inbox_heads h SET last_id = n.last_id, last_received_id = n.last_received_id FROM unnest($1, $2, $3) AS n(username, last_id, last_received_id) WHERE h.username = n.username",
                TextArray(users), BigintArray(lastIds), BigintArray(lastReceivedIds)));
            AddInsert(write, fresh, sentAt);
            var moves = new ConversationMoves(fresh.Count);
            foreach (var (result, conversation) in fresh)
            {
                moves.Add(result.Message.Sender, result.Message.Recipient!, conversation, result.Message.Id);
                moves.Add(result.Message.Recipient!, result.Message.Sender, conversation, result.Message.Id);
            }
            moves.AddTo(write);
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

    /// <summary>Every sender and recipient of the batch once, in byte order (the order heads are locked in).</summary>
    private static string[] UsersInOrder(IReadOnlyList<NewMessage> batch)
    {
        var users = new string[batch.Count * 2];
        for (var i = 0; i < batch.Count; i++)
        {
            users[2 * i] = batch[i].Sender;
            users[2 * i + 1] = batch[i].Recipient;
        }
        Array.Sort(users, StringComparer.Ordinal);
        var distinct = 0;
        foreach (var user in users)
        {
            if (distinct == 0 || !string.Equals(users[distinct - 1], user, StringComparison.Ordinal))
            {
                users[distinct++] = user;
            }
        }
        Array.Resize(ref users, distinct);
        return users;
    }

    /// <summary>The (sender, client id) pairs of the messages that carry a client id, as two arrays.</summary>
    private static (string[] Senders, string[] ClientIds) ClientIdKeys(IReadOnlyList<NewMessage> batch)
    {
        var keyed = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            keyed += batch[i].ClientId is null ? 0 : 1;
        }
        var senders = new string[keyed];
        var clientIds = new string[keyed];
        for (int i = 0, k = 0; i < batch.Count; i++)
        {
            if (batch[i].ClientId is { } clientId)
            {
                (senders[k], clientIds[k]) = (batch[i].Sender, clientId);
                k++;
            }
        }
        return (senders, clientIds);
    }

    private static void AddInsert(NpgsqlBatch write, List<(StoreResult Result, string Conversation)> fresh, DateTimeOffset sentAt)
    {
        var ids = new long[fresh.Count];
        var conversations = new string[fresh.Count];
        var senders = new string[fresh.Count];
        var recipients = new string[fresh.Count];
        var bodies = new string[fresh.Count];
        var clientIds = new string[fresh.Count];
        var previousIds = new long[fresh.Count];
        for (var i = 0; i < fresh.Count; i++)
        {
            var (result, conversation) = fresh[i];
            var message = result.Message;
            (ids[i], conversations[i], senders[i], recipients[i]) = (message.Id, conversation, message.Sender, message.Recipient!);
            (bodies[i], clientIds[i], previousIds[i]) = (message.Text, message.ClientId ?? "", result.PreviousId);
        }
        write.BatchCommands.Add(Command(
            "INSERT INTO messages (id, conversation, sender, recipient, body, client_id, previous_id, sent_at) "
            + "SELECT id, conversation, sender, recipient, body, NULLIF(client_id, ''), previous_id, $8 FROM unnest($1, $2, $3, $4, $5, $6, $7) "
            + "AS n(id, conversation, sender, recipient, body, client_id, previous_id)",
            BigintArray(ids), TextArray(conversations), TextArray(senders), TextArray(recipients),
            TextArray(bodies), TextArray(clientIds), BigintArray(previousIds),
            new NpgsqlParameter<DateTimeOffset> { TypedValue = sentAt }));
    }

    /// <summary>
    /// One row per owner and conversation, at its latest id: a statement may touch a row only
    /// once, and a batch may hold several messages of one conversation.
    /// </summary>
    private sealed class ConversationMoves(int messages)
    {
        private readonly Dictionary<(string Owner, string Peer), int> _rows = new(2 * messages);
        private string[] _owners = new string[2 * messages];
        private string[] _peers = new string[2 * messages];
        private string[] _conversations = new string[2 * messages];
        private long[] _activity = new long[2 * messages];

        public void Add(string owner, string peer, string conversation, long id)
        {
            if (_rows.TryGetValue((owner, peer), out var row))
            {
                _activity[row] = Math.Max(_activity[row], id);
                return;
            }
            row = _rows.Count;
            _rows.Add((owner, peer), row);
            (_owners[row], _peers[row], _conversations[row], _activity[row]) = (owner, peer, conversation, id);
        }

        /// <summary>Adds the statement that moves every row (the arrays cut to the rows there are).</summary>
        public void AddTo(NpgsqlBatch batch)
        {
            Array.Resize(ref _owners, _rows.Count);
            Array.Resize(ref _peers, _rows.Count);
            Array.Resize(ref _conversations, _rows.Count);
            Array.Resize(ref _activity, _rows.Count);
            Conversations.AddMoves(batch, _owners, _conversations, _peers, _activity);
        }
    }
}
