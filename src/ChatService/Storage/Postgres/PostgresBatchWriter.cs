using Npgsql;
using static Chat.ChatService.Storage.Postgres.PostgresRows;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// Writes many 1:1 messages in one transaction, in one round trip to PostgreSQL, with the
/// guarantees of <see cref="PostgresMessageWriter"/>: the inbox heads of every sender and
/// recipient in the batch are locked in username order, ids are handed out in the batch's order
/// above all of those heads, and the locks are held until the commit. One statement locks, looks
/// up the client ids already stored, numbers, inserts and moves heads and conversation lists;
/// the commit goes in the same round trip (at low rates a store's time is its round trips, not
/// its statements: docs/benchmarks.md).
/// </summary>
/// <remarks>
/// The statement reads with the snapshot it started with, which may be older than the heads it
/// had to wait for: a store of the same sender and client id that committed meanwhile is not
/// seen by the lookup, but its unique index entry is, and the batch fails on it. That failure is
/// worth a retry (<see cref="IsWorthRetrying"/>), which then answers with the first message.
/// </remarks>
internal static class PostgresBatchWriter
{
    /// <summary>
    /// The messages already stored under the (sender, client id) pairs of <paramref name="keys"/>
    /// (a row source with columns wanted_sender, wanted_client_id): one probe of the idempotency
    /// index per pair, whatever the statistics say. As a join of the keys with the messages it
    /// read every message with a client id at each batch when the statistics were taken while
    /// few had one (a database with a million older messages is re-analysed only after 100,000
    /// more: 40 ms a batch a few seconds into a benchmark, docs/benchmarks.md). LIMIT 1 (the pair
    /// is unique) keeps PostgreSQL from folding the lateral subquery back into that join.
    /// </summary>
    internal static string StoredByClientId(string keys) =>
        $"SELECT {MessageColumns}, previous_id FROM {keys} "
        + "CROSS JOIN LATERAL (SELECT * FROM messages WHERE sender = k.wanted_sender AND client_id = k.wanted_client_id LIMIT 1) m";

    /// <summary>
    /// The batch ($1 senders, $2 recipients, $3 texts, $4 client ids ('' for none), $5
    /// conversation keys; in the batch's order, no client id twice) stored above the locked heads
    /// of $6 (every user of the batch), ids from $7 up (the clock's reserved floor), sent at $8.
    /// Returns a row per stored message (its place in the batch, id, previous id) and a row per
    /// message already stored under one of the batch's client ids (place null, its columns).
    /// </summary>
    private static readonly string StoreBatch = $"""
        WITH batch AS MATERIALIZED (
            SELECT * FROM unnest($1, $2, $3, $4, $5) WITH ORDINALITY AS b(sender, recipient, body, client_id, conversation, place)
        ),
        heads AS MATERIALIZED ({InboxHeads.Locked("$6")}),
        stored AS MATERIALIZED (
            {StoredByClientId("(SELECT sender AS wanted_sender, client_id AS wanted_client_id FROM batch WHERE client_id <> '') k")}
        ),
        -- Ids in the batch's order from the first above every head of the batch: each is above
        -- its sender's and recipient's last message, and a recipient's messages rise in the
        -- batch's order. A message already stored keeps its place unused: ids need not be dense.
        numbered AS MATERIALIZED (
            SELECT b.*, GREATEST($7, (SELECT max(last_id) + 1 FROM heads)) + b.place - 1 AS id
            FROM batch b
            WHERE NOT EXISTS (SELECT FROM stored s WHERE s.sender = b.sender AND s.client_id = b.client_id)
        ),
        placed AS MATERIALIZED (
            SELECT n.*, COALESCE(lag(n.id) OVER (PARTITION BY n.recipient ORDER BY n.id), h.last_received_id) AS previous_id
            FROM numbered n JOIN heads h ON h.username = n.recipient
        ),
        inserted AS (
            INSERT INTO messages (id, conversation, sender, recipient, body, client_id, previous_id, sent_at)
            SELECT id, conversation, sender, recipient, body, NULLIF(client_id, ''), previous_id, $8 FROM placed
        ),
        heads_moved AS (
            UPDATE inbox_heads h SET last_id = t.last_id, last_received_id = COALESCE(t.last_received_id, h.last_received_id)
            FROM (
                SELECT username, max(id) AS last_id, max(id) FILTER (WHERE received) AS last_received_id
                FROM (SELECT sender AS username, id, false AS received FROM placed
                      UNION ALL SELECT recipient, id, true FROM placed) sides
                GROUP BY username
            ) t
            WHERE h.username = t.username
        ),
        -- Each side's entry in their conversation list, at its latest id (one for a note to self).
        wanted AS MATERIALIZED (
            SELECT username, conversation, peer, max(id) AS last_activity
            FROM (SELECT sender AS username, conversation, recipient AS peer, id FROM placed
                  UNION ALL SELECT recipient, conversation, sender, id FROM placed WHERE recipient <> sender) sides
            GROUP BY username, conversation, peer
        ),
        {Conversations.Moves("wanted")}
        SELECT place, id, NULL::text, NULL::text, NULL::text, NULL::text, NULL::timestamptz, NULL::text, previous_id FROM placed
        UNION ALL
        SELECT NULL, {MessageColumns}, previous_id FROM stored
        """;

    public static async Task<StoreResult[]> WriteAsync(NpgsqlConnection connection, IReadOnlyList<NewMessage> batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A client id twice in one batch (a retry that caught up with its first attempt) is
        // written once; the later copy is answered with the first.
        var copyOf = new int[batch.Count];
        var firstWithClientId = new Dictionary<(string Sender, string ClientId), int>();
        List<int> written = [];
        for (var i = 0; i < batch.Count; i++)
        {
            var m = batch[i];
            copyOf[i] = m.ClientId is { } clientId && !firstWithClientId.TryAdd((m.Sender, clientId), i) ? firstWithClientId[(m.Sender, clientId)] : -1;
            if (copyOf[i] < 0)
            {
                written.Add(i);
            }
        }
        List<NewMessage> messages = [.. written.Select(i => batch[i])];
        string[] users = [.. messages.SelectMany(m => new[] { m.Sender, m.Recipient }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var sentAt = TruncateToMicroseconds(now);
        var floor = MessageClock.Reserve(now, messages.Count);

        var placed = new Dictionary<int, (long Id, long PreviousId)>(messages.Count);
        var stored = new Dictionary<(string Sender, string ClientId), StoreResult>();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var write = new NpgsqlBatch(connection, transaction))
        {
            // Prepared statements are planned once per connection (a generic plan), except where
            // PostgreSQL prices a custom plan lower: the lookup by client id, whose arrays it
            // counts when planning for their values, was planned again at every batch (most of
            // its cost: docs/benchmarks.md). Every part of the statement finds rows by key, so one
            // plan serves any batch.
            write.BatchCommands.Add(Command("SET LOCAL plan_cache_mode = force_generic_plan"));
            InboxHeads.AddCreate(write, users);
            write.BatchCommands.Add(Command(StoreBatch,
                TextArray([.. messages.Select(m => m.Sender)]),
                TextArray([.. messages.Select(m => m.Recipient)]),
                TextArray([.. messages.Select(m => m.Text)]),
                TextArray([.. messages.Select(m => m.ClientId ?? "")]),
                TextArray([.. messages.Select(m => Messages.ConversationKey.Direct(m.Sender, m.Recipient))]),
                TextArray(users),
                Bigint(floor),
                new NpgsqlParameter<DateTimeOffset> { TypedValue = sentAt }));
            // The commit goes with the writes. The batch's statements run in order and stop at the
            // first error, so COMMIT runs only after all of them succeeded; it answers once the
            // commit is flushed (synchronous_commit), and the transaction then reads as completed
            // (its disposal rolls back nothing).
            write.BatchCommands.Add(Command("COMMIT"));
            await using var reader = await write.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.IsDBNull(0))
                {
                    var message = ReadMessage(reader, offset: 1);
                    stored[(message.Sender, message.ClientId!)] = new StoreResult(message, reader.GetInt64(8), Duplicate: true);
                }
                else
                {
                    placed[written[(int)reader.GetInt64(0) - 1]] = (reader.GetInt64(1), reader.GetInt64(8));
                }
            }
            // Nobody is answered before the COMMIT's own answer: it fails here if it failed.
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }
        if (placed.Count > 0)
        {
            MessageClock.Issued(placed.Values.Max(p => p.Id));
        }

        var results = new StoreResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var m = batch[i];
            results[i] = copyOf[i] >= 0 ? results[copyOf[i]] with { Duplicate = true }
                : placed.TryGetValue(i, out var place) ? new StoreResult(new StoredMessage(place.Id, m.Sender, m.Recipient, null, m.Text, sentAt, m.ClientId), place.PreviousId, Duplicate: false)
                : stored[(m.Sender, m.ClientId!)]; // stored before this batch
        }
        return results;
    }

    /// <summary>
    /// What rolls a batch back and is worth trying again: what <see cref="PostgresMessageWriter.IsWorthRetrying"/>
    /// says, and a client id stored by another store while this one waited for the heads (see above).
    /// </summary>
    public static bool IsWorthRetrying(PostgresException e) =>
        PostgresMessageWriter.IsWorthRetrying(e)
        || (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "messages_sender_client_id");
}
