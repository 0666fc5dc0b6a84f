using Chat.ChatService.Messages;
using Npgsql;
using static Chat.ChatService.Storage.Postgres.PostgresRows;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// Groups, group messages, read marks and the conversation list on PostgreSQL. A group message is
/// fanned out on write: it takes an id above the inbox heads of every member (locked in username
/// order, like a 1:1 message) and leaves a pointer in each member's inbox, so each member's sync
/// stays one ordered range with no gap and no duplicate.
/// </summary>
public sealed class PostgresConversationStore(PostgresDatabase database, TimeProvider clock) : IConversationStore
{
    public Task<GroupRecord> CreateGroupAsync(string owner, string name, IReadOnlyCollection<string> members, int maxMembers, CancellationToken cancellationToken)
    {
        string[] everyone = [owner, .. members.Where(m => m != owner).Distinct(StringComparer.Ordinal)];
        if (everyone.Length > maxMembers)
        {
            throw new ConversationAccessException(ConversationAccessError.GroupFull, $"a group has at most {maxMembers} members");
        }
        return database.RunAsync(async c =>
        {
            var now = TruncateToMicroseconds(clock.GetUtcNow());
            var id = Guid.NewGuid().ToString("N");
            await using var transaction = await c.BeginTransactionAsync(cancellationToken);
            await using (var create = new NpgsqlBatch(c, transaction))
            {
                create.BatchCommands.Add(Command("INSERT INTO groups (id, name, owner, created_at) VALUES ($1, $2, $3, $4)",
                    Text(id), Text(name), Text(owner), new NpgsqlParameter<DateTimeOffset> { TypedValue = now }));
                create.BatchCommands.Add(Command("INSERT INTO group_members (group_id, username, joined_at) SELECT $1, u, $3 FROM unnest($2) AS u",
                    Text(id), TextArray(everyone), new NpgsqlParameter<DateTimeOffset> { TypedValue = now }));
                create.BatchCommands.Add(JoinConversations(id, everyone, now));
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return new GroupRecord(id, name, owner, [.. everyone.Order(StringComparer.Ordinal)], now);
        }, cancellationToken);
    }

    public Task<GroupRecord> GetGroupAsync(string user, string groupId, CancellationToken cancellationToken) =>
        database.RunAsync(c => MemberViewAsync(c, null, user, groupId, "", cancellationToken), cancellationToken);

    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string user, CancellationToken cancellationToken) =>
        database.RunAsync<IReadOnlyList<GroupRecord>>(async c =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT g.id, g.name, g.owner, g.created_at, array_agg(everyone.username ORDER BY everyone.username COLLATE "C")
                FROM group_members mine
                JOIN groups g ON g.id = mine.group_id
                JOIN group_members everyone ON everyone.group_id = g.id
                WHERE mine.username = $1
                GROUP BY g.id
                ORDER BY g.created_at, g.id
                """, c);
            command.Parameters.Add(Text(user));
            var groups = new List<GroupRecord>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                groups.Add(new GroupRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(4), reader.GetFieldValue<DateTimeOffset>(3)));
            }
            return groups;
        }, cancellationToken);

    public Task<GroupRecord> AddMemberAsync(string user, string groupId, string username, int maxMembers, CancellationToken cancellationToken) =>
        database.RunAsync(async c =>
        {
            await using var transaction = await c.BeginTransactionAsync(cancellationToken);
            var group = await MemberViewAsync(c, transaction, user, groupId, "FOR UPDATE", cancellationToken);
            if (group.Members.Contains(username))
            {
                return group;
            }
            if (group.Members.Count >= maxMembers)
            {
                throw new ConversationAccessException(ConversationAccessError.GroupFull, $"the group already has {maxMembers} members");
            }
            var now = TruncateToMicroseconds(clock.GetUtcNow());
            await using (var add = new NpgsqlBatch(c, transaction))
            {
                add.BatchCommands.Add(Command("INSERT INTO group_members (group_id, username, joined_at) VALUES ($1, $2, $3)",
                    Text(groupId), Text(username), new NpgsqlParameter<DateTimeOffset> { TypedValue = now }));
                add.BatchCommands.Add(JoinConversations(groupId, [username], now));
                await add.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return group with { Members = [.. group.Members.Append(username).Order(StringComparer.Ordinal)] };
        }, cancellationToken);

    public Task<GroupRecord> RemoveMemberAsync(string user, string groupId, string username, CancellationToken cancellationToken) =>
        database.RunAsync(async c =>
        {
            await using var transaction = await c.BeginTransactionAsync(cancellationToken);
            var group = await MemberViewAsync(c, transaction, user, groupId, "FOR UPDATE", cancellationToken);
            if (username != user && user != group.Owner)
            {
                throw new ConversationAccessException(ConversationAccessError.NotAllowed, "only the owner removes other members");
            }
            if (!group.Members.Contains(username))
            {
                return group;
            }
            await using (var remove = new NpgsqlBatch(c, transaction))
            {
                remove.BatchCommands.Add(Command("DELETE FROM group_members WHERE group_id = $1 AND username = $2", Text(groupId), Text(username)));
                remove.BatchCommands.Add(Command("DELETE FROM conversations WHERE username = $2 AND conversation = $1", Text(ConversationKey.Group(groupId)), Text(username)));
                // An owner who leaves hands the group to the member who joined first.
                remove.BatchCommands.Add(Command("""
                    UPDATE groups SET owner = COALESCE(
                        (SELECT username FROM group_members WHERE group_id = $1 ORDER BY joined_at, username COLLATE "C" LIMIT 1), owner)
                    WHERE id = $1 AND owner = $2
                    RETURNING owner
                    """, Text(groupId), Text(username)));
                await remove.ExecuteNonQueryAsync(cancellationToken);
            }
            var after = await MemberViewAsync(c, transaction, user == username ? null : user, groupId, "", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return after;
        }, cancellationToken);

    public Task<StoreResult> StoreGroupMessageAsync(NewGroupMessage message, CancellationToken cancellationToken) =>
        PostgresMessageWriter.StoreAsync(database, message.Sender, message.ClientId, async c =>
        {
            await using var transaction = await c.BeginTransactionAsync(cancellationToken);
            // Shared: members cannot change until the message is committed to exactly these members.
            var group = await MemberViewAsync(c, transaction, message.Sender, message.GroupId, "FOR SHARE", cancellationToken);
            var outgoing = new Outgoing(message.Sender, null, message.GroupId, [.. group.Members], message.Text, message.ClientId);
            var result = await PostgresMessageWriter.WriteAsync(c, transaction, outgoing, clock.GetUtcNow(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }, cancellationToken);

    public Task<MessagePage> GetGroupHistoryAsync(string user, string groupId, long before, int limit, CancellationToken cancellationToken) =>
        database.RunAsync(async c =>
        {
            await MemberViewAsync(c, null, user, groupId, "", cancellationToken);
            return await ConversationPageAsync(c, ConversationKey.Group(groupId), before, limit, cancellationToken);
        }, cancellationToken);

    public Task<ReadMark> MarkReadAsync(string user, ConversationRef conversation, long upTo, CancellationToken cancellationToken) =>
        database.RunAsync(async c =>
        {
            string key;
            if (conversation.GroupId is { } groupId)
            {
                await MemberViewAsync(c, null, user, groupId, "", cancellationToken);
                key = ConversationKey.Group(groupId);
            }
            else
            {
                key = ConversationKey.Direct(user, conversation.Peer!);
            }
            // Never past the conversation's last message, never back.
            await using var command = new NpgsqlCommand("""
                WITH old AS (
                    SELECT read_up_to FROM conversations WHERE username = $1 AND conversation = $2 FOR UPDATE
                )
                UPDATE conversations c
                SET read_up_to = GREATEST(old.read_up_to, LEAST($3, COALESCE((SELECT max(id) FROM messages WHERE conversation = $2), 0)))
                FROM old
                WHERE c.username = $1 AND c.conversation = $2
                RETURNING c.read_up_to, old.read_up_to
                """, c);
            command.Parameters.Add(Text(user));
            command.Parameters.Add(Text(key));
            command.Parameters.Add(Bigint(upTo));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? new ReadMark(reader.GetInt64(0), reader.GetInt64(0) > reader.GetInt64(1))
                : new ReadMark(0, false);
        }, cancellationToken);

    public Task<ConversationPage> ListConversationsAsync(string user, int limit, string? page, CancellationToken cancellationToken)
    {
        var (activity, after) = ConversationCursor.Parse(page);
        return database.RunAsync(async c =>
        {
            await using var command = new NpgsqlCommand($"""
                SELECT c.peer, c.group_id, g.name, c.read_up_to, c.last_activity, c.conversation,
                    (SELECT count(*) FROM messages m
                     WHERE m.conversation = c.conversation AND m.id > c.read_up_to AND m.sender <> c.username
                       AND (c.group_id IS NULL
                            OR EXISTS (SELECT 1 FROM inbox_entries e WHERE e.username = c.username AND e.message_id = m.id))),
                    last.*
                FROM (
                    -- The user's rows by primary key, sorted here: no index follows last_activity,
                    -- which every message moves (schema step 3). The page is cut before the joins.
                    SELECT * FROM conversations
                    WHERE username = $1 AND (last_activity, conversation) < ($2, $3)
                    ORDER BY last_activity DESC, conversation DESC
                    LIMIT $4
                ) c
                LEFT JOIN groups g ON g.id = c.group_id
                LEFT JOIN LATERAL (
                    SELECT {MessageColumns} FROM messages m WHERE m.conversation = c.conversation ORDER BY m.id DESC LIMIT 1
                ) last ON true
                ORDER BY c.last_activity DESC, c.conversation DESC
                """, c);
            command.Parameters.Add(Text(user));
            command.Parameters.Add(Bigint(activity));
            command.Parameters.Add(Text(after));
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
            var entries = new List<(ConversationEntry Entry, string Cursor)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var entry = new ConversationEntry(
                    reader.IsDBNull(0) ? null : reader.GetString(0),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(7) ? null : ReadMessage(reader, offset: 7),
                    reader.GetInt64(6),
                    reader.GetInt64(3));
                entries.Add((entry, ConversationCursor.Format(reader.GetInt64(4), reader.GetString(5))));
            }
            var hasMore = entries.Count > limit;
            var shown = entries.Take(limit).ToList();
            return new ConversationPage([.. shown.Select(e => e.Entry)], hasMore ? shown[^1].Cursor : null);
        }, cancellationToken);
    }

    /// <summary>
    /// The group as <paramref name="user"/> may see it (null: anyone), optionally locking its row;
    /// an unknown group and a non-member are refused.
    /// </summary>
    private static async Task<GroupRecord> MemberViewAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string? user, string groupId, string lockMode, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            WITH g AS (SELECT id, name, owner, created_at FROM groups WHERE id = $1 {lockMode})
            SELECT g.id, g.name, g.owner, g.created_at,
                   ARRAY(SELECT username FROM group_members WHERE group_id = g.id ORDER BY username COLLATE "C")
            FROM g
            """, connection, transaction);
        command.Parameters.Add(Text(groupId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new ConversationAccessException(ConversationAccessError.GroupNotFound, "no such group");
        }
        var group = new GroupRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(4), reader.GetFieldValue<DateTimeOffset>(3));
        if (user is not null && !group.Members.Contains(user))
        {
            throw new ConversationAccessException(ConversationAccessError.NotAMember, "not a member of the group");
        }
        return group;
    }

    /// <summary>New members see the group in their conversation list from the moment they join.</summary>
    private static NpgsqlBatchCommand JoinConversations(string groupId, string[] members, DateTimeOffset now) => Command(
        "INSERT INTO conversations (username, conversation, group_id, last_activity) SELECT u, $2, $3, $4 FROM unnest($1) AS u ON CONFLICT DO NOTHING",
        TextArray(members), Text(ConversationKey.Group(groupId)), Text(groupId), Bigint(MessageClock.Microseconds(now)));
}
