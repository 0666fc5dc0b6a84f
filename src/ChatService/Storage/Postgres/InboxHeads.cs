using System.Data.Common;
using Npgsql;
using static Chat.ChatService.Storage.Postgres.PostgresRows;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// Locking inbox heads, the heart of id ordering: rows created when missing, then locked
/// <c>FOR UPDATE</c> in username order (byte order, whatever the database's collation), so two
/// writers never wait on each other in a cycle, and held until the writer commits.
/// </summary>
internal static class InboxHeads
{
    /// <summary>Adds the two statements that create and lock the heads of <paramref name="users"/>; read them with <see cref="ReadAsync"/>.</summary>
    public static void AddLock(NpgsqlBatch batch, string[] users)
    {
        batch.BatchCommands.Add(Command(
            "INSERT INTO inbox_heads (username) SELECT u FROM unnest($1) AS u ORDER BY u COLLATE \"C\" ON CONFLICT DO NOTHING",
            TextArray(users)));
        batch.BatchCommands.Add(Command(
            "SELECT username, last_id, last_received_id FROM inbox_heads WHERE username = ANY($1) ORDER BY username COLLATE \"C\" FOR UPDATE",
            TextArray(users)));
    }

    /// <summary>The locked heads, by username.</summary>
    public static async Task<Dictionary<string, (long LastId, long LastReceivedId)>> ReadAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, (long LastId, long LastReceivedId)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            heads[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }
        return heads;
    }
}
