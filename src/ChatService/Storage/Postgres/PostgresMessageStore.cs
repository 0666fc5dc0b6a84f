using Chat.ChatService.Messages;
using Npgsql;
using NpgsqlTypes;
using static Chat.ChatService.Storage.Postgres.PostgresRows;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// The PostgreSQL message store (Npgsql and SQL). How a store keeps ids ordered is in
/// <see cref="PostgresMessageWriter"/>; the inbox a user syncs is their 1:1 messages and the
/// group messages fanned out to them.
/// </summary>
public sealed class PostgresMessageStore(PostgresDatabase database, TimeProvider clock) : IMessageStore
{
    public Task InitializeAsync(CancellationToken cancellationToken) => database.InitializeAsync(cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => database.RunAsync(async c =>
    {
        await using var command = new NpgsqlCommand("SELECT 1", c);
        return await command.ExecuteScalarAsync(cancellationToken);
    }, cancellationToken);

    public Task<StoreResult> StoreAsync(NewMessage message, CancellationToken cancellationToken)
    {
        var outgoing = new Outgoing(message.Sender, message.Recipient, null, [message.Recipient], message.Text, message.ClientId);
        return PostgresMessageWriter.StoreAsync(database, message.Sender, message.ClientId, async c =>
        {
            await using var transaction = await c.BeginTransactionAsync(cancellationToken);
            var result = await PostgresMessageWriter.WriteAsync(c, transaction, outgoing, clock.GetUtcNow(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }, cancellationToken);
    }

    public Task<MessagePage> GetConversationAsync(string user, string peer, long before, int limit, CancellationToken cancellationToken) =>
        database.RunAsync(c => ConversationPageAsync(c, ConversationKey.Direct(user, peer), before, limit, cancellationToken), cancellationToken);

    public Task<InboxPage> GetInboxAsync(string user, long? after, int limit, CancellationToken cancellationToken) =>
        database.RunAsync(async c =>
        {
            // One statement, so the mark and the page are read from the same snapshot.
            await using var command = new NpgsqlCommand($"""
                WITH start AS (
                    SELECT COALESCE($2, (SELECT up_to FROM delivery_marks WHERE username = $1), 0) AS after
                ),
                page AS (
                    (SELECT id FROM messages, start WHERE recipient = $1 AND id > start.after ORDER BY id LIMIT $3)
                    UNION ALL
                    (SELECT message_id FROM inbox_entries, start WHERE username = $1 AND message_id > start.after ORDER BY message_id LIMIT $3)
                )
                SELECT start.after, m.* FROM start
                LEFT JOIN LATERAL (
                    SELECT {MessageColumns} FROM messages WHERE id IN (SELECT id FROM page) ORDER BY id LIMIT $3
                ) m ON true
                """, c);
            command.Parameters.Add(Text(user));
            command.Parameters.Add(new NpgsqlParameter { Value = after.HasValue ? after.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            long start = 0;
            var messages = new List<StoredMessage>();
            while (await reader.ReadAsync(cancellationToken))
            {
                start = reader.GetInt64(0);
                if (!reader.IsDBNull(1))
                {
                    messages.Add(ReadMessage(reader, offset: 1));
                }
            }
            // The lateral page is ordered, but the join's output order is not promised: sort here.
            messages.Sort((a, b) => a.Id.CompareTo(b.Id));
            var page = Page(messages, limit);
            return new InboxPage(start, page.Messages, page.HasMore);
        }, cancellationToken);

    public async Task<IReadOnlyList<long>> AdvanceDeliveryMarksAsync(IReadOnlyList<DeliveryMark> marks, CancellationToken cancellationToken)
    {
        // One row per user (a statement may update a row only once): the highest mark asked for.
        var highest = marks.GroupBy(m => m.User, StringComparer.Ordinal).Select(g => (User: g.Key, UpTo: g.Max(m => m.UpTo))).ToList();
        var written = await database.RunAsync(async c =>
        {
            await using var transaction = await c.BeginTransactionAsync(cancellationToken);
            // Not worth an fsync (see IMessageStore): the marks of one Edge flush were a durable
            // commit each, as many as the messages themselves at a few thousand a second.
            await using (var relaxed = new NpgsqlCommand("SET LOCAL synchronous_commit = off", c, transaction))
            {
                await relaxed.ExecuteNonQueryAsync(cancellationToken);
            }
            // Capped at the last message the user received, so a wild ack cannot hide future ones.
            await using var command = new NpgsqlCommand("""
                INSERT INTO delivery_marks AS d (username, up_to)
                SELECT n.username, LEAST(n.up_to, COALESCE(h.last_received_id, 0))
                FROM unnest($1, $2) AS n(username, up_to) LEFT JOIN inbox_heads h ON h.username = n.username
                ON CONFLICT (username) DO UPDATE SET up_to = GREATEST(d.up_to, EXCLUDED.up_to)
                RETURNING username, up_to
                """, c, transaction);
            command.Parameters.Add(TextArray([.. highest.Select(m => m.User)]));
            command.Parameters.Add(BigintArray([.. highest.Select(m => m.UpTo)]));
            var result = new Dictionary<string, long>(StringComparer.Ordinal);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    result[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
            await transaction.CommitAsync(cancellationToken);
            return result;
        }, cancellationToken);
        return [.. marks.Select(m => written[m.User])];
    }
}
