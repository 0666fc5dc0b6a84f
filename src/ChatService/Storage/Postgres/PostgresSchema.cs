using Npgsql;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// The schema, as numbered steps applied in order at start and recorded in schema_migrations.
/// Replicas starting together serialise on an advisory lock; a step is never edited once
/// released, a change is a new step.
/// </summary>
internal static class PostgresSchema
{
    // Any fixed number; it only has to differ from other advisory locks taken in this database.
    private const long MigrationLock = 0x43_68_61_74_4D_73_67;

    private static readonly (int Version, string Sql)[] Steps =
    [
        (1, """
            -- One row per user: the floor for the next id of any message they send or receive,
            -- and the id of the last message they received (the next one's previous_id).
            CREATE TABLE inbox_heads (
                username text PRIMARY KEY,
                last_id bigint NOT NULL DEFAULT 0,
                last_received_id bigint NOT NULL DEFAULT 0
            );

            -- conversation: 'd:…' for two users, 'g:<group id>' for a group (issue 12), so that
            -- history is one index range either way. Group messages leave recipient empty.
            CREATE TABLE messages (
                id bigint PRIMARY KEY,
                conversation text NOT NULL,
                sender text NOT NULL,
                recipient text,
                group_id text,
                body text NOT NULL,
                client_id text,
                previous_id bigint NOT NULL DEFAULT 0,
                sent_at timestamptz NOT NULL,
                CHECK ((recipient IS NULL) <> (group_id IS NULL))
            );
            CREATE INDEX messages_conversation_id ON messages (conversation, id);
            CREATE INDEX messages_recipient_id ON messages (recipient, id) WHERE recipient IS NOT NULL;
            -- Idempotency: kept as long as the message (forever), more than the contract's 24 hours.
            CREATE UNIQUE INDEX messages_sender_client_id ON messages (sender, client_id) WHERE client_id IS NOT NULL;

            -- What no connection of the user has received yet starts after up_to.
            CREATE TABLE delivery_marks (
                username text PRIMARY KEY,
                up_to bigint NOT NULL
            );
            """),
        (2, """
            -- Groups (issue 12). Membership changes lock the group row; a group message holds it
            -- shared while it fans out, so its receivers are exactly the members at commit.
            CREATE TABLE groups (
                id text PRIMARY KEY,
                name text NOT NULL,
                owner text NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE TABLE group_members (
                group_id text NOT NULL REFERENCES groups (id),
                username text NOT NULL,
                joined_at timestamptz NOT NULL,
                PRIMARY KEY (group_id, username)
            );
            CREATE INDEX group_members_username ON group_members (username);

            -- Fan-out on write: a pointer per member to each group message, read by sync beside
            -- the 1:1 messages (recipient = user).
            CREATE TABLE inbox_entries (
                username text NOT NULL,
                message_id bigint NOT NULL REFERENCES messages (id),
                PRIMARY KEY (username, message_id)
            );

            -- A user's conversation list: one row per conversation, its latest activity (the id of
            -- its last message, or the time the user joined a group) and the user's read mark.
            CREATE TABLE conversations (
                username text NOT NULL,
                conversation text NOT NULL,
                peer text,
                group_id text,
                last_activity bigint NOT NULL,
                read_up_to bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (username, conversation)
            );
            CREATE INDEX conversations_recent ON conversations (username, last_activity DESC, conversation DESC);
            CREATE INDEX conversations_group ON conversations (conversation) WHERE group_id IS NOT NULL;

            -- The 1:1 conversations that step 1 stored, from both sides.
            INSERT INTO conversations (username, conversation, peer, last_activity)
            SELECT username, conversation, peer, max(id) FROM (
                SELECT sender AS username, conversation, recipient AS peer, id FROM messages WHERE recipient IS NOT NULL
                UNION ALL
                SELECT recipient, conversation, sender, id FROM messages WHERE recipient IS NOT NULL
            ) sides
            GROUP BY username, conversation, peer;
            """),
        (3, """
            -- Issue 22. Every message moved two rows of conversations_recent (both sides'
            -- last_activity): two index entries per message, a non-HOT update of each row (so one
            -- more entry in the primary key), and a third of the store's WAL. The list reads one
            -- user's rows by the primary key and sorts them instead (a user has tens to hundreds).
            DROP INDEX conversations_recent;
            -- Room on every page for a row's next version, so that an update stays on its page
            -- (HOT: no index entry at all). Applies to pages filled from now on.
            ALTER TABLE conversations SET (fillfactor = 70);
            ALTER TABLE inbox_heads SET (fillfactor = 70);
            """),
    ];

    public static Task ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        ApplyAsync(connection, int.MaxValue, cancellationToken);

    /// <summary>The steps up to <paramref name="through"/> only: a database as an older release left it (tests).</summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, int through, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})", cancellationToken);
        await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken);
        await using var current = new NpgsqlCommand("SELECT COALESCE(max(version), 0) FROM schema_migrations", connection);
        var applied = (int)(await current.ExecuteScalarAsync(cancellationToken))!;
        foreach (var (version, sql) in Steps.Where(s => s.Version > applied && s.Version <= through))
        {
            await ExecuteAsync(connection, sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES ($1)", connection);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
