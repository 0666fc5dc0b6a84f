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
        AddCreate(batch, users);
        batch.BatchCommands.Add(Command(Locked("$1"), TextArray(users)));
    }

    /// <summary>
    /// Adds the statement that creates the missing heads of <paramref name="users"/>. It runs as a
    /// statement of its own, before they are locked: a statement sees rows committed before it
    /// started, and a head another writer is creating meanwhile makes this one wait for it.
    /// </summary>
    public static void AddCreate(NpgsqlBatch batch, string[] users) =>
        batch.BatchCommands.Add(Command(
            "INSERT INTO inbox_heads (username) SELECT u FROM unnest($1) AS u ORDER BY u COLLATE \"C\" ON CONFLICT DO NOTHING",
            TextArray(users)));

    /// <summary>
    /// The query that locks the heads of the users in <paramref name="users"/> (a text[]
    /// parameter) and returns them as they are once locked (a head committed by another writer
    /// while this one waited is read as that writer left it).
    /// </summary>
    public static string Locked(string users) =>
        $"SELECT username, last_id, last_received_id FROM inbox_heads WHERE username = ANY({users}) ORDER BY username COLLATE \"C\" FOR UPDATE";

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
