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
        batch.BatchCommands.Add(Command(
            $"WITH wanted AS (SELECT * FROM unnest($1, $2, $3, $4) AS n(username, conversation, peer, last_activity)), {Moves("wanted")} SELECT",
            TextArray(owners), TextArray(keys), TextArray(peers), BigintArray(activity)));

    /// <summary>
    /// The move as two common table expressions of a statement (<c>conversations_moved</c>,
    /// <c>conversations_added</c>), from the rows of <paramref name="wanted"/>: username,
    /// conversation, peer, last_activity, one row per username and conversation.
    /// </summary>
    public static string Moves(string wanted) =>
        // Both parts read the table as the statement's snapshot shows it, and cannot see each
        // other's rows: the UPDATE moves the rows it shows, the INSERT adds those it does not
        // (one index probe each; checking the UPDATE's returned rows instead compared every
        // row with every other, 19,000 comparisons and half the statement's time in a batch of
        // 128). The conflict clause is for a row another store created after the snapshot was
        // taken: every store that writes these rows holds both owners' inbox heads, but the group
        // commit takes them in this same statement, so it may have waited for them while that
        // store committed. 1:1 rows are never deleted, so a row the snapshot shows still exists.
        $"""
        conversations_moved AS (
            UPDATE conversations c SET last_activity = GREATEST(c.last_activity, w.last_activity)
            FROM {wanted} w
            WHERE c.username = w.username AND c.conversation = w.conversation
        ),
        conversations_added AS (
            INSERT INTO conversations (username, conversation, peer, last_activity)
            SELECT w.username, w.conversation, w.peer, w.last_activity FROM {wanted} w
            WHERE NOT EXISTS (SELECT FROM conversations c WHERE c.username = w.username AND c.conversation = w.conversation)
            ON CONFLICT (username, conversation) DO UPDATE SET last_activity = GREATEST(conversations.last_activity, EXCLUDED.last_activity)
        )
        """;
}
