using Npgsql;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// Messages in PostgreSQL. Storing takes, in one transaction, the "head" rows of sender and
/// recipient (their last ids) with row locks, in name order so two transactions never wait on each
/// other in a cycle; the new id is above both heads; both heads move to it; the transaction commits.
/// A later message to the same user must wait for that lock, so it gets a greater id and commits
/// after: readers never see a user's ids appear out of order, however many replicas write.
/// </summary>
public sealed partial class PostgresMessageStore(NpgsqlDataSource dataSource, MessageIds ids, ILogger<PostgresMessageStore> logger) : IMessageStore
{
    private static readonly TimeSpan InitializePatience = TimeSpan.FromSeconds(60);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var giveUpAt = DateTime.UtcNow + InitializePatience;
        while (true)
        {
            try
            {
                await ApplySchemaAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException e) when (e is not PostgresException && DateTime.UtcNow < giveUpAt)
            {
                LogWaiting(logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private async Task ApplySchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One replica migrates at a time; the others wait here and find the work done.
        await Execute(connection, "SELECT pg_advisory_xact_lock(7002)", cancellationToken);
        await Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)", cancellationToken);
        await using var read = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection);
        var version = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
        for (var step = version; step < PostgresSchema.Steps.Count; step++)
        {
            await Execute(connection, PostgresSchema.Steps[step], cancellationToken);
            await Execute(connection, $"INSERT INTO schema_version VALUES ({step + 1})", cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        LogSchema(logger, PostgresSchema.Steps.Count);
    }

    public async Task<StoreResult> StoreAsync(NewMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return await StoreNewAsync(message, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "ux_messages_sender_client")
        {
            // Someone stored this (sender, clientId) first: answer with that message.
            var first = await FindByClientIdAsync(message.Sender, message.ClientId!, cancellationToken)
                ?? throw new InvalidOperationException("a unique violation on (sender, client_id) without the row");
            return new StoreResult(first.Message, Duplicate: true, first.PreviousId);
        }
    }

    private async Task<StoreResult> StoreNewAsync(NewMessage message, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        string[] participants = message.Sender == message.Recipient ? [message.Sender] : [message.Sender, message.Recipient];
        await using (var ensure = new NpgsqlCommand("INSERT INTO inbox_heads (username) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", connection, transaction))
        {
            ensure.Parameters.AddWithValue(participants);
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }
        var heads = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var lockHeads = new NpgsqlCommand(
            "SELECT username, last_id FROM inbox_heads WHERE username = ANY($1) ORDER BY username FOR UPDATE", connection, transaction))
        {
            lockHeads.Parameters.AddWithValue(participants);
            await using var reader = await lockHeads.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                heads[reader.GetString(0)] = reader.GetString(1);
            }
        }
        var previousId = heads[message.Recipient];
        var (id, sentAt) = ids.Next(heads[message.Sender], previousId);
        await using (var insert = new NpgsqlCommand(
            """
            WITH stored AS (
                INSERT INTO messages (id, sender, recipient, body, sent_at, client_id, previous_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
                RETURNING id
            )
            UPDATE inbox_heads SET last_id = (SELECT id FROM stored) WHERE username = ANY($8)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(message.Sender);
            insert.Parameters.AddWithValue(message.Recipient);
            insert.Parameters.AddWithValue(message.Text);
            insert.Parameters.AddWithValue(sentAt);
            insert.Parameters.AddWithValue((object?)message.ClientId ?? DBNull.Value);
            insert.Parameters.AddWithValue(previousId);
            insert.Parameters.AddWithValue(participants);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new StoreResult(new StoredMessage(id, message.Sender, message.Recipient, message.Text, sentAt, message.ClientId), Duplicate: false, previousId);
    }

    private async Task<(StoredMessage Message, string PreviousId)?> FindByClientIdAsync(string sender, string clientId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, sender, recipient, body, sent_at, client_id, previous_id FROM messages WHERE sender = $1 AND client_id = $2");
        command.Parameters.AddWithValue(sender);
        command.Parameters.AddWithValue(clientId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (Read(reader), reader.GetString(6)) : null;
    }

    public async Task<IReadOnlyList<StoredMessage>> HistoryAsync(string user, string peer, string? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, sender, recipient, body, sent_at, client_id FROM messages
            WHERE LEAST(sender, recipient) = LEAST($1, $2) AND GREATEST(sender, recipient) = GREATEST($1, $2)
              AND ($3 = '' OR id < $3)
            ORDER BY id DESC LIMIT $4
            """);
        command.Parameters.AddWithValue(user);
        command.Parameters.AddWithValue(peer);
        command.Parameters.AddWithValue(before ?? "");
        command.Parameters.AddWithValue(limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task<SyncPage> SyncAsync(string user, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH start AS (
                SELECT coalesce($2, (SELECT delivered_up_to FROM inbox_heads WHERE username = $1), '') COLLATE "C" AS after
            )
            SELECT start.after, m.id, m.sender, m.recipient, m.body, m.sent_at, m.client_id
            FROM start LEFT JOIN LATERAL (
                SELECT * FROM messages WHERE recipient = $1 AND id > start.after ORDER BY id LIMIT $3
            ) m ON true
            """);
        command.Parameters.AddWithValue(user);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue(limit + 1);
        var messages = new List<StoredMessage>();
        var start = after ?? "";
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                start = reader.GetString(0);
                if (!reader.IsDBNull(1))
                {
                    messages.Add(new StoredMessage(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                        reader.GetFieldValue<DateTime>(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
                }
            }
        }
        var hasMore = messages.Count > limit;
        return new SyncPage(start, hasMore ? messages[..limit] : messages, hasMore);
    }

    public async Task<string> AckDeliveredAsync(string user, string upTo, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO inbox_heads (username, delivered_up_to) VALUES ($1, $2)
            ON CONFLICT (username) DO UPDATE SET delivered_up_to = GREATEST(inbox_heads.delivered_up_to, EXCLUDED.delivered_up_to)
            RETURNING delivered_up_to
            """);
        command.Parameters.AddWithValue(user);
        command.Parameters.AddWithValue(upTo);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static async Task<IReadOnlyList<StoredMessage>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var messages = new List<StoredMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(Read(reader));
        }
        return messages;
    }

    private static StoredMessage Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
        reader.GetFieldValue<DateTime>(4), reader.IsDBNull(5) ? null : reader.GetString(5));

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Waiting for the message database: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Message database schema at version {Version}")]
    private static partial void LogSchema(ILogger logger, int version);
}
