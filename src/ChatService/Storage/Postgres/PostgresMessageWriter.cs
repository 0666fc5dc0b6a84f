using Chat.ChatService.Messages;
using Npgsql;
using static Chat.ChatService.Storage.Postgres.PostgresRows;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// Writes one message the way that keeps ids ordered (docs/chat-service.md): lock the inbox heads
/// of the sender and every receiver in username order, take an id above all of them, move the
/// heads, insert, and let the caller commit while the locks are still held.
/// </summary>
internal static class PostgresMessageWriter
{
    // A deadlock (heads inserted by one transaction while another locks them) or a clash of ids
    // between unrelated conversations in the same microsecond rolls back; trying again is safe.
    private const int MaxAttempts = 5;

    /// <summary>
    /// Runs <paramref name="attempt"/> (one transaction) until it commits, or answers with the
    /// message already stored under the sender's client id.
    /// </summary>
    public static async Task<StoreResult> StoreAsync(PostgresDatabase database, string sender, string? clientId, Func<NpgsqlConnection, Task<StoreResult>> attempt, CancellationToken cancellationToken)
    {
        for (var attempts = 1; ; attempts++)
        {
            try
            {
                return await database.RunAsync(attempt, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && clientId is not null
                                              && e.ConstraintName == "messages_sender_client_id")
            {
                // The first store with this client id committed before ours could: answer with it.
                var first = await database.RunAsync(c => FindByClientIdAsync(c, sender, clientId, cancellationToken), cancellationToken);
                if (first is not null)
                {
                    return first;
                }
                if (attempts >= MaxAttempts)
                {
                    throw;
                }
            }
            catch (PostgresException e) when (IsWorthRetrying(e))
            {
                if (attempts >= MaxAttempts)
                {
                    throw new StoreUnavailableException("the message store is too busy, try again", e);
                }
            }
        }
    }

    /// <summary>A deadlock, a serialization failure or an id taken in the same microsecond: nothing was stored, try again.</summary>
    public static bool IsWorthRetrying(PostgresException e) =>
        e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
        || (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "messages_pkey");

    public static async Task<StoreResult> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Outgoing message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string[] users = [.. message.Receivers.Append(message.Sender).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

        Dictionary<string, (long LastId, long LastReceivedId)> heads;
        await using (var lockHeads = new NpgsqlBatch(connection, transaction))
        {
            InboxHeads.AddLock(lockHeads, users);
            await using var reader = await lockHeads.ExecuteReaderAsync(cancellationToken);
            heads = await InboxHeads.ReadAsync(reader, cancellationToken);
        }

        var id = MessageClock.NextId(now, heads.Values.Select(h => h.LastId));
        // For a group there is one previous id per member; the contract carries it for 1:1 only.
        var previousId = message.Recipient is null ? 0 : heads[message.Recipient].LastReceivedId;
        var stored = new StoredMessage(id, message.Sender, message.Recipient, message.GroupId, message.Text, TruncateToMicroseconds(now), message.ClientId);

        await using (var write = new NpgsqlBatch(connection, transaction))
        {
            write.BatchCommands.Add(Command(
                "UPDATE inbox_heads SET last_id = $1, last_received_id = CASE WHEN username = ANY($2) THEN $1 ELSE last_received_id END WHERE username = ANY($3)",
                Bigint(id), TextArray(message.Receivers), TextArray(users)));
            write.BatchCommands.Add(Command(
                "INSERT INTO messages (id, conversation, sender, recipient, group_id, body, client_id, previous_id, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                Bigint(id),
                Text(message.Conversation),
                Text(message.Sender),
                NullableText(message.Recipient),
                NullableText(message.GroupId),
                Text(message.Text),
                NullableText(message.ClientId),
                Bigint(previousId),
                new NpgsqlParameter<DateTimeOffset> { TypedValue = stored.SentAt }));
            if (message.GroupId is null)
            {
                // Each side's entry in their conversation list (one entry for a note to self).
                string[] owners = message.Sender == message.Recipient ? [message.Sender] : [message.Sender, message.Recipient!];
                Conversations.AddMoves(write, owners, [.. owners.Select(_ => message.Conversation)],
                    [.. owners.Select(o => o == message.Sender ? message.Recipient! : message.Sender)], [.. owners.Select(_ => id)]);
            }
            else
            {
                write.BatchCommands.Add(Command(
                    "INSERT INTO inbox_entries (username, message_id) SELECT u, $2 FROM unnest($1) AS u",
                    TextArray(message.Receivers), Bigint(id)));
                write.BatchCommands.Add(Command(
                    // group_id IS NOT NULL: the predicate of conversations_group, without which
                    // the planner cannot use it and scans every user's conversations.
                    "UPDATE conversations SET last_activity = $2 WHERE conversation = $1 AND group_id IS NOT NULL",
                    Text(message.Conversation), Bigint(id)));
            }
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        return new StoreResult(stored, previousId, Duplicate: false)
        {
            MemberPreviousIds = message.GroupId is null
                ? new Dictionary<string, long>()
                : message.Receivers.Distinct(StringComparer.Ordinal).ToDictionary(r => r, r => heads[r].LastReceivedId, StringComparer.Ordinal),
        };
    }

    private static async Task<StoreResult?> FindByClientIdAsync(NpgsqlConnection connection, string sender, string clientId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {MessageColumns}, previous_id FROM messages WHERE sender = $1 AND client_id = $2", connection);
        command.Parameters.Add(Text(sender));
        command.Parameters.Add(Text(clientId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new StoreResult(ReadMessage(reader), reader.GetInt64(7), Duplicate: true);
    }
}
