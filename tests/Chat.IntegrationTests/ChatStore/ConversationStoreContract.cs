using Chat.ChatService.Storage;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// What every store must do for groups, read marks and the conversation list, written once and
/// run against each implementation. Each test uses usernames of its own.
/// </summary>
public abstract class ConversationStoreContract
{
    private const int MaxMembers = 4;

    /// <summary>The stores, on one database with its schema applied; skips when the backend is not available here.</summary>
    protected abstract Task<(IMessageStore Messages, IConversationStore Conversations)> StoresAsync();

    private static string User(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static async Task<ConversationAccessError> RefusalOf(Func<Task> call) =>
        (await Assert.ThrowsAsync<ConversationAccessException>(call)).Error;

    [SkippableFact]
    public async Task A_group_message_is_in_every_members_inbox_in_order_with_1to1_messages()
    {
        var (messages, groups) = await StoresAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        var group = await groups.CreateGroupAsync(alice, "team", [bob, bob], MaxMembers, Timeout);

        var first = await groups.StoreGroupMessageAsync(new NewGroupMessage(alice, group.Id, "to all", null), Timeout);
        var direct = await messages.StoreAsync(new NewMessage(carol, bob, "to bob", null), Timeout);
        var second = await groups.StoreGroupMessageAsync(new NewGroupMessage(bob, group.Id, "to all again", null), Timeout);

        Assert.Equal([alice, bob], group.Members.Order(StringComparer.Ordinal));
        Assert.Equal([first.Message.Id, direct.Message.Id, second.Message.Id], (await messages.GetInboxAsync(bob, 0, 10, Timeout)).Messages.Select(m => m.Id));
        Assert.Equal([first.Message.Id, second.Message.Id], (await messages.GetInboxAsync(alice, 0, 10, Timeout)).Messages.Select(m => m.Id));
        Assert.Empty((await messages.GetInboxAsync(carol, 0, 10, Timeout)).Messages);
        Assert.Equal(group.Id, first.Message.GroupId);
        Assert.Null(first.Message.Recipient);
    }

    [SkippableFact]
    public async Task Non_members_and_unknown_groups_are_refused_everywhere()
    {
        var (_, groups) = await StoresAsync();
        var (alice, eve) = (User("alice"), User("eve"));
        var group = await groups.CreateGroupAsync(alice, "team", [], MaxMembers, Timeout);

        Assert.Equal(ConversationAccessError.NotAMember, await RefusalOf(() => groups.StoreGroupMessageAsync(new NewGroupMessage(eve, group.Id, "hi", null), Timeout)));
        Assert.Equal(ConversationAccessError.NotAMember, await RefusalOf(() => groups.GetGroupHistoryAsync(eve, group.Id, 0, 10, Timeout)));
        Assert.Equal(ConversationAccessError.NotAMember, await RefusalOf(() => groups.GetGroupAsync(eve, group.Id, Timeout)));
        Assert.Equal(ConversationAccessError.NotAMember, await RefusalOf(() => groups.AddMemberAsync(eve, group.Id, eve, MaxMembers, Timeout)));
        Assert.Equal(ConversationAccessError.NotAMember, await RefusalOf(() => groups.MarkReadAsync(eve, new ConversationRef(null, group.Id), 1, Timeout)));
        Assert.Equal(ConversationAccessError.GroupNotFound, await RefusalOf(() => groups.GetGroupAsync(alice, "missing", Timeout)));
        Assert.Equal(ConversationAccessError.GroupNotFound, await RefusalOf(() => groups.StoreGroupMessageAsync(new NewGroupMessage(alice, "missing", "hi", null), Timeout)));
        Assert.Empty(await groups.ListGroupsAsync(eve, Timeout));
    }

    [SkippableFact]
    public async Task A_group_send_is_idempotent_under_concurrent_retries()
    {
        var (messages, groups) = await StoresAsync();
        var (alice, bob) = (User("alice"), User("bob"));
        var group = await groups.CreateGroupAsync(alice, "team", [bob], MaxMembers, Timeout);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => groups.StoreGroupMessageAsync(new NewGroupMessage(alice, group.Id, "once", "g-1"), Timeout))));

        Assert.Single(results.Select(r => r.Message.Id).Distinct());
        Assert.Single(results, r => !r.Duplicate);
        Assert.Single((await messages.GetInboxAsync(bob, 0, 10, Timeout)).Messages);
    }

    [SkippableFact]
    public async Task A_sync_following_its_cursor_while_direct_and_group_messages_arrive_misses_none()
    {
        var (messages, groups) = await StoresAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        var group = await groups.CreateGroupAsync(alice, "team", [bob], MaxMembers, Timeout);
        var writing = Task.WhenAll(
            Task.Run(async () =>
            {
                for (var i = 0; i < 30; i++)
                {
                    await groups.StoreGroupMessageAsync(new NewGroupMessage(alice, group.Id, $"g{i}", null), Timeout);
                }
            }),
            Task.Run(async () =>
            {
                for (var i = 0; i < 30; i++)
                {
                    await messages.StoreAsync(new NewMessage(carol, bob, $"d{i}", null), Timeout);
                }
            }));

        // Pages read while both kinds commit: a page whose two kinds were read at different times
        // moves the cursor past a direct message that was committed in between.
        var seen = new List<long>();
        long after = 0;
        async Task SyncAsync()
        {
            var page = await messages.GetInboxAsync(bob, after, 5, Timeout);
            seen.AddRange(page.Messages.Select(m => m.Id));
            after = page.Messages.Count > 0 ? page.Messages[^1].Id : after;
        }
        while (!writing.IsCompleted)
        {
            await SyncAsync();
        }
        await writing;
        var before = -1;
        while (seen.Count != before)
        {
            before = seen.Count;
            await SyncAsync();
        }

        var all = (await messages.GetInboxAsync(bob, 0, 100, Timeout)).Messages.Select(m => m.Id).ToList();
        Assert.Equal(60, all.Count);
        Assert.Equal(all, seen);
    }

    [SkippableFact]
    public async Task Group_history_pages_newest_first()
    {
        var (_, groups) = await StoresAsync();
        var (alice, bob) = (User("alice"), User("bob"));
        var group = await groups.CreateGroupAsync(alice, "team", [bob], MaxMembers, Timeout);
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await groups.StoreGroupMessageAsync(new NewGroupMessage(i % 2 == 0 ? alice : bob, group.Id, $"m{i}", null), Timeout)).Message.Id);
        }

        var first = await groups.GetGroupHistoryAsync(bob, group.Id, 0, 3, Timeout);
        var rest = await groups.GetGroupHistoryAsync(bob, group.Id, first.Messages[^1].Id, 3, Timeout);

        Assert.Equal([ids[4], ids[3], ids[2]], first.Messages.Select(m => m.Id));
        Assert.True(first.HasMore);
        Assert.Equal([ids[1], ids[0]], rest.Messages.Select(m => m.Id));
        Assert.False(rest.HasMore);
    }

    [SkippableFact]
    public async Task Membership_changes_follow_the_rules_and_a_removed_member_gets_nothing_more()
    {
        var (messages, groups) = await StoresAsync();
        var (alice, bob, carol, dave, erin) = (User("alice"), User("bob"), User("carol"), User("dave"), User("erin"));
        var group = await groups.CreateGroupAsync(alice, "team", [bob, carol], MaxMembers, Timeout);

        await groups.AddMemberAsync(bob, group.Id, dave, MaxMembers, Timeout);
        Assert.Equal(ConversationAccessError.GroupFull, await RefusalOf(() => groups.AddMemberAsync(bob, group.Id, erin, MaxMembers, Timeout)));
        Assert.Equal(ConversationAccessError.NotAllowed, await RefusalOf(() => groups.RemoveMemberAsync(bob, group.Id, carol, Timeout)));
        await groups.RemoveMemberAsync(alice, group.Id, carol, Timeout);
        await groups.StoreGroupMessageAsync(new NewGroupMessage(alice, group.Id, "carol has gone", null), Timeout);
        var afterOwnerLeft = await groups.RemoveMemberAsync(alice, group.Id, alice, Timeout);

        Assert.Empty((await messages.GetInboxAsync(carol, 0, 10, Timeout)).Messages);
        Assert.Single((await messages.GetInboxAsync(dave, 0, 10, Timeout)).Messages);
        Assert.Equal([bob, dave], afterOwnerLeft.Members.Order(StringComparer.Ordinal));
        Assert.Contains(afterOwnerLeft.Owner, new[] { bob, dave });
        Assert.Equal([group.Id], (await groups.ListGroupsAsync(dave, Timeout)).Select(g => g.Id));
        Assert.Empty(await groups.ListGroupsAsync(carol, Timeout));
        Assert.Equal(ConversationAccessError.GroupFull, await RefusalOf(() => groups.CreateGroupAsync(alice, "big", [bob, carol, dave, erin], MaxMembers, Timeout)));
    }

    [SkippableFact]
    public async Task Read_marks_only_move_forward_and_the_list_counts_unread_messages_from_others()
    {
        var (messages, groups) = await StoresAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        var direct = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            direct.Add((await messages.StoreAsync(new NewMessage(alice, bob, $"d{i}", null), Timeout)).Message.Id);
        }
        await messages.StoreAsync(new NewMessage(bob, alice, "bob's own", null), Timeout);
        var group = await groups.CreateGroupAsync(carol, "team", [bob], MaxMembers, Timeout);
        await groups.StoreGroupMessageAsync(new NewGroupMessage(carol, group.Id, "g0", null), Timeout);
        var lastInGroup = await groups.StoreGroupMessageAsync(new NewGroupMessage(carol, group.Id, "g1", null), Timeout);

        var before = await groups.ListConversationsAsync(bob, 10, null, Timeout);
        var marked = await groups.MarkReadAsync(bob, new ConversationRef(alice, null), direct[1], Timeout);
        var backwards = await groups.MarkReadAsync(bob, new ConversationRef(alice, null), direct[0], Timeout);
        var page1 = await groups.ListConversationsAsync(bob, 1, null, Timeout);
        var page2 = await groups.ListConversationsAsync(bob, 1, page1.NextPage, Timeout);

        Assert.Equal([group.Id, null], before.Conversations.Select(c => c.GroupId));
        Assert.Equal([2L, 3L], before.Conversations.Select(c => c.Unread));
        Assert.Equal(("team", lastInGroup.Message.Id), (before.Conversations[0].Name, before.Conversations[0].LastMessage!.Id));
        Assert.Equal(new ReadMark(direct[1], true), marked);
        Assert.Equal(new ReadMark(direct[1], false), backwards);
        Assert.Equal(group.Id, page1.Conversations.Single().GroupId);
        Assert.Equal((alice, 1L, direct[1]), (page2.Conversations.Single().Peer, page2.Conversations.Single().Unread, page2.Conversations.Single().ReadUpTo));
        Assert.Null(page2.NextPage);
    }

    [SkippableFact]
    public async Task The_list_pages_every_conversation_once_most_recent_first_and_a_new_message_moves_its_own_to_the_top()
    {
        var (messages, groups) = await StoresAsync();
        var me = User("me");
        var peers = Enumerable.Range(0, 7).Select(i => User($"p{i}")).ToList();
        foreach (var peer in peers)
        {
            await messages.StoreAsync(new NewMessage(peer, me, "hello", null), Timeout);
        }
        var group = await groups.CreateGroupAsync(peers[0], "team", [me], MaxMembers, Timeout);
        // An older conversation comes back to life: it goes first, ahead of the group joined since.
        await messages.StoreAsync(new NewMessage(me, peers[2], "again", null), Timeout);

        var listed = new List<ConversationEntry>();
        string? page = null;
        do
        {
            var next = await groups.ListConversationsAsync(me, 3, page, Timeout);
            Assert.True(next.Conversations.Count <= 3);
            listed.AddRange(next.Conversations);
            page = next.NextPage;
        }
        while (page is not null);

        string?[] expected = [peers[2], null, peers[6], peers[5], peers[4], peers[3], peers[1], peers[0]];
        Assert.Equal(expected, listed.Select(c => c.Peer));
        Assert.Equal(group.Id, listed[1].GroupId);
        Assert.Equal("again", listed[0].LastMessage!.Text);
    }
}
