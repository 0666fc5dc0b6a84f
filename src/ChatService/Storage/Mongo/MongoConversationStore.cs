using Chat.ChatService.Messages;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Chat.ChatService.Storage.Mongo;

/// <summary>
/// Groups, group messages, read marks and the conversation list on MongoDB, with the design of
/// the PostgreSQL store: fan-out on write (an id above every member's inbox head, a pointer per
/// member), membership checked in the same transaction as the work.
/// </summary>
public sealed class MongoConversationStore(MongoCollections db, TimeProvider clock) : IConversationStore
{
    private static readonly FilterDefinitionBuilder<ConversationDocument> Conversations = Builders<ConversationDocument>.Filter;

    public async Task<GroupRecord> CreateGroupAsync(string owner, string name, IReadOnlyCollection<string> members, int maxMembers, CancellationToken cancellationToken)
    {
        string[] everyone = [owner, .. members.Where(m => m != owner).Distinct(StringComparer.Ordinal)];
        if (everyone.Length > maxMembers)
        {
            throw new ConversationAccessException(ConversationAccessError.GroupFull, $"a group has at most {maxMembers} members");
        }
        var now = Milliseconds(clock.GetUtcNow());
        var group = new GroupDocument
        {
            Id = Guid.NewGuid().ToString("N"),
            Name = name,
            Owner = owner,
            CreatedAt = now,
            Members = [.. everyone.Select(u => new GroupMemberDocument { User = u, JoinedAt = now })],
        };
        await db.InTransactionAsync(async (s, ct) =>
        {
            await db.Groups.InsertOneAsync(s, group, cancellationToken: ct);
            await db.Conversations.InsertManyAsync(s, everyone.Select(u => Joined(u, group.Id, now)), cancellationToken: ct);
            return true;
        }, cancellationToken);
        return ToRecord(group);
    }

    public Task<GroupRecord> GetGroupAsync(string user, string groupId, CancellationToken cancellationToken) =>
        db.RunAsync(async () => ToRecord(MemberView(await FindGroupAsync(null, groupId, cancellationToken), user)), cancellationToken);

    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string user, CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyList<GroupRecord>>(async () =>
        {
            var groups = await db.Groups.Find(Builders<GroupDocument>.Filter.Eq("members.user", user))
                .Sort(Builders<GroupDocument>.Sort.Ascending(g => g.CreatedAt).Ascending(g => g.Id))
                .ToListAsync(cancellationToken);
            return [.. groups.Select(ToRecord)];
        }, cancellationToken);

    public Task<GroupRecord> AddMemberAsync(string user, string groupId, string username, int maxMembers, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (s, ct) =>
        {
            var group = MemberView(await FindGroupAsync(s, groupId, ct), user);
            if (group.Members.Any(m => m.User == username))
            {
                return ToRecord(group);
            }
            if (group.Members.Count >= maxMembers)
            {
                throw new ConversationAccessException(ConversationAccessError.GroupFull, $"the group already has {maxMembers} members");
            }
            var now = Milliseconds(clock.GetUtcNow());
            var member = new GroupMemberDocument { User = username, JoinedAt = now };
            await db.Groups.UpdateOneAsync(s, g => g.Id == groupId, Builders<GroupDocument>.Update.Push(g => g.Members, member), cancellationToken: ct);
            await db.Conversations.InsertOneAsync(s, Joined(username, groupId, now), cancellationToken: ct);
            group.Members.Add(member);
            return ToRecord(group);
        }, cancellationToken);

    public Task<GroupRecord> RemoveMemberAsync(string user, string groupId, string username, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async (s, ct) =>
        {
            var group = MemberView(await FindGroupAsync(s, groupId, ct), user);
            if (username != user && user != group.Owner)
            {
                throw new ConversationAccessException(ConversationAccessError.NotAllowed, "only the owner removes other members");
            }
            if (!group.Members.Any(m => m.User == username))
            {
                return ToRecord(group);
            }
            var remaining = group.Members.Where(m => m.User != username).ToList();
            // An owner who leaves hands the group to the member who joined first.
            var owner = group.Owner == username && remaining.Count > 0
                ? remaining.OrderBy(m => m.JoinedAt).ThenBy(m => m.User, StringComparer.Ordinal).First().User
                : group.Owner;
            await db.Groups.UpdateOneAsync(s, g => g.Id == groupId,
                Builders<GroupDocument>.Update.Set(g => g.Members, remaining).Set(g => g.Owner, owner), cancellationToken: ct);
            await db.Conversations.DeleteOneAsync(s, Conversations.Eq(c => c.User, username) & Conversations.Eq(c => c.Conversation, ConversationKey.Group(groupId)), cancellationToken: ct);
            return ToRecord(new GroupDocument { Id = group.Id, Name = group.Name, Owner = owner, CreatedAt = group.CreatedAt, Members = remaining });
        }, cancellationToken);

    public Task<StoreResult> StoreGroupMessageAsync(NewGroupMessage message, CancellationToken cancellationToken) =>
        MongoMessageWriter.StoreAsync(db, message.Sender, message.ClientId, async (s, ct) =>
        {
            var group = MemberView(await FindGroupAsync(s, message.GroupId, ct), message.Sender);
            var outgoing = new Outgoing(message.Sender, null, message.GroupId, [.. group.Members.Select(m => m.User)], message.Text, message.ClientId);
            var result = await MongoMessageWriter.WriteAsync(s, db, outgoing, clock.GetUtcNow(), ct);
            // Writing the group makes a concurrent membership change conflict with this message.
            await db.Groups.UpdateOneAsync(s, g => g.Id == message.GroupId,
                Builders<GroupDocument>.Update.Set(g => g.LastMessageId, MongoCollections.Id(result.Message.Id)), cancellationToken: ct);
            return result;
        }, cancellationToken);

    public Task<MessagePage> GetGroupHistoryAsync(string user, string groupId, long before, int limit, CancellationToken cancellationToken) =>
        db.RunAsync(async () =>
        {
            MemberView(await FindGroupAsync(null, groupId, cancellationToken), user);
            var documents = await db.Messages.Find(MongoQueries.ConversationFilter(ConversationKey.Group(groupId), before))
                .Sort(MongoQueries.NewestFirst).Limit(limit + 1).ToListAsync(cancellationToken);
            return MongoQueries.Page(documents, limit);
        }, cancellationToken);

    public Task<ReadMark> MarkReadAsync(string user, ConversationRef conversation, long upTo, CancellationToken cancellationToken) =>
        db.RunAsync(async () =>
        {
            string key;
            if (conversation.GroupId is { } groupId)
            {
                MemberView(await FindGroupAsync(null, groupId, cancellationToken), user);
                key = ConversationKey.Group(groupId);
            }
            else
            {
                key = ConversationKey.Direct(user, conversation.Peer!);
            }
            // Never past the conversation's last message, never back.
            var last = await db.Messages.Find(MongoQueries.ConversationFilter(key, 0)).Sort(MongoQueries.NewestFirst).Limit(1).FirstOrDefaultAsync(cancellationToken);
            var capped = MongoCollections.Id(Math.Min(upTo, last is null ? 0 : MongoQueries.ToStored(last).Id));
            var mine = Conversations.Eq(c => c.User, user) & Conversations.Eq(c => c.Conversation, key);
            var moved = await db.Conversations.UpdateOneAsync(mine & Conversations.Lt(c => c.ReadUpTo, capped),
                Builders<ConversationDocument>.Update.Set(c => c.ReadUpTo, capped), cancellationToken: cancellationToken);
            var current = await db.Conversations.Find(mine).FirstOrDefaultAsync(cancellationToken);
            return new ReadMark(current is null ? 0 : ParseId(current.ReadUpTo), moved.ModifiedCount > 0);
        }, cancellationToken);

    public Task<ConversationPage> ListConversationsAsync(string user, int limit, string? page, CancellationToken cancellationToken)
    {
        var (activity, after) = ConversationCursor.Parse(page);
        return db.RunAsync(async () =>
        {
            var rows = await (await db.Conversations.AggregateAsync(ConversationListPipeline(user, activity, after, limit + 1), cancellationToken: cancellationToken))
                .ToListAsync(cancellationToken);
            var entries = rows.Take(limit).Select(ToEntry).ToList();
            var next = rows.Count > limit ? ConversationCursor.Format(rows[limit - 1]["lastActivity"].ToInt64(), rows[limit - 1]["conversation"].AsString) : null;
            return new ConversationPage(entries, next);
        }, cancellationToken);
    }

    /// <summary>
    /// One aggregation per page: the user's conversations by latest activity (keyset after the
    /// cursor), each with its group's name, its last message, and the count of messages from
    /// others after the read mark (for a group, after the user joined).
    /// </summary>
    internal static PipelineDefinition<ConversationDocument, BsonDocument> ConversationListPipeline(string user, long activity, string after, int take) =>
        PipelineDefinition<ConversationDocument, BsonDocument>.Create(
            new BsonDocument("$match", new BsonDocument
            {
                { "user", user },
                {
                    "$or", new BsonArray
                    {
                        new BsonDocument("lastActivity", new BsonDocument("$lt", activity)),
                        new BsonDocument { { "lastActivity", activity }, { "conversation", new BsonDocument("$lt", after) } },
                    }
                },
            }),
            new BsonDocument("$sort", new BsonDocument { { "lastActivity", -1 }, { "conversation", -1 } }),
            new BsonDocument("$limit", take),
            new BsonDocument("$lookup", new BsonDocument { { "from", "groups" }, { "localField", "groupId" }, { "foreignField", "_id" }, { "as", "group" } }),
            new BsonDocument("$lookup", new BsonDocument
            {
                { "from", "messages" },
                { "let", new BsonDocument("c", "$conversation") },
                {
                    "pipeline", new BsonArray
                    {
                        new BsonDocument("$match", new BsonDocument("$expr", new BsonDocument("$eq", new BsonArray { "$conversation", "$$c" }))),
                        new BsonDocument("$sort", new BsonDocument("_id", -1)),
                        new BsonDocument("$limit", 1),
                    }
                },
                { "as", "last" },
            }),
            new BsonDocument("$lookup", new BsonDocument
            {
                { "from", "messages" },
                { "let", new BsonDocument { { "c", "$conversation" }, { "u", "$user" }, { "floor", new BsonDocument("$max", new BsonArray { "$readUpTo", "$visibleFrom" }) } } },
                {
                    "pipeline", new BsonArray
                    {
                        new BsonDocument("$match", new BsonDocument("$expr", new BsonDocument("$and", new BsonArray
                        {
                            new BsonDocument("$eq", new BsonArray { "$conversation", "$$c" }),
                            new BsonDocument("$gt", new BsonArray { "$_id", "$$floor" }),
                            new BsonDocument("$ne", new BsonArray { "$sender", "$$u" }),
                        }))),
                        new BsonDocument("$count", "n"),
                    }
                },
                { "as", "unread" },
            }));

    private static ConversationEntry ToEntry(BsonDocument row)
    {
        var group = row["group"].AsBsonArray.FirstOrDefault()?.AsBsonDocument;
        var last = row["last"].AsBsonArray.FirstOrDefault()?.AsBsonDocument;
        var unread = row["unread"].AsBsonArray.FirstOrDefault()?.AsBsonDocument;
        return new ConversationEntry(
            row.GetValue("peer", BsonNull.Value).IsBsonNull ? null : row["peer"].AsString,
            row.GetValue("groupId", BsonNull.Value).IsBsonNull ? null : row["groupId"].AsString,
            group?["name"].AsString,
            last is null ? null : MongoQueries.ToStored(MongoDB.Bson.Serialization.BsonSerializer.Deserialize<MessageDocument>(last)),
            unread is null ? 0 : unread["n"].ToInt64(),
            ParseId(row["readUpTo"].AsString));
    }

    private async Task<GroupDocument?> FindGroupAsync(IClientSessionHandle? session, string groupId, CancellationToken cancellationToken) =>
        session is null
            ? await db.Groups.Find(g => g.Id == groupId).FirstOrDefaultAsync(cancellationToken)
            : await db.Groups.Find(session, g => g.Id == groupId).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The group, when it exists and <paramref name="user"/> is a member.</summary>
    private static GroupDocument MemberView(GroupDocument? group, string user) =>
        group is null
            ? throw new ConversationAccessException(ConversationAccessError.GroupNotFound, "no such group")
            : group.Members.Any(m => m.User == user)
                ? group
                : throw new ConversationAccessException(ConversationAccessError.NotAMember, "not a member of the group");

    /// <summary>A new member's entry in their conversation list: visible from now, nothing before it unread.</summary>
    private static ConversationDocument Joined(string user, string groupId, DateTime now)
    {
        var joined = MessageClock.Microseconds(new DateTimeOffset(now));
        return new ConversationDocument
        {
            User = user,
            Conversation = ConversationKey.Group(groupId),
            GroupId = groupId,
            LastActivity = joined,
            VisibleFrom = MongoCollections.Id(joined),
        };
    }

    private static GroupRecord ToRecord(GroupDocument g) => new(
        g.Id,
        g.Name,
        g.Owner,
        [.. g.Members.Select(m => m.User).Order(StringComparer.Ordinal)],
        new DateTimeOffset(DateTime.SpecifyKind(g.CreatedAt, DateTimeKind.Utc)));

    private static long ParseId(string id) => MessageId.TryParse(id, out var value) ? value : 0;

    private static DateTime Milliseconds(DateTimeOffset t) =>
        new(t.UtcDateTime.Ticks - (t.UtcDateTime.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
}
