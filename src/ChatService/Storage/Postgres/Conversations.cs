using Npgsql;
using static Chat.ChatService.Storage.Postgres.PostgresRows;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// Moving 1:1 conversations to the top of their owners' lists, rows created on a conversation's
/// first message. One statement: an UPDATE of the rows that exist, and an INSERT of the others.
/// Not <c>INSERT … ON CONFLICT DO UPDATE</c> alone: on an existing row (almost every row) it locks
/// the row before updating it, one more WAL record per row (issue 22's store profile).
/// </summary>
internal static class Conversations
{
    /// <summary>Adds the statement: <paramref name="owners"/>[i]'s entry for <paramref name="keys"/>[i] (with <paramref name="peers"/>[i]) moves to <paramref name="activity"/>[i].</summary>
    public static void AddMoves(NpgsqlBatch batch, string[] owners, string[] keys, string[] peers, long[] activity) =>
        // The INSERT cannot see the UPDATE's rows (one snapshot), so it skips those it returned.
        // Its conflict clause is for a row created by someone else meanwhile; not expected, as
        // every store that writes these rows holds both owners' inbox heads.
        batch.BatchCommands.Add(Command("""
            WITH wanted AS (
                SELECT * FROM unnest($1, $2, $3, $4) AS n(username, conversation, peer, last_activity)
            ),
            moved AS (
                UPDATE conversations c SET last_activity = GREATEST(c.last_activity, w.last_activity)
                FROM wanted w
                WHERE c.username = w.username AND c.conversation = w.conversation
                RETURNING c.username, c.conversation
            )
            INSERT INTO conversations (username, conversation, peer, last_activity)
            SELECT w.username, w.conversation, w.peer, w.last_activity FROM wanted w
            WHERE NOT EXISTS (SELECT FROM moved m WHERE m.username = w.username AND m.conversation = w.conversation)
            ON CONFLICT (username, conversation) DO UPDATE SET last_activity = GREATEST(conversations.last_activity, EXCLUDED.last_activity)
            """,
            TextArray(owners), TextArray(keys), TextArray(peers), BigintArray(activity)));
}
