using Chat.Contracts.Chat.V1;
using Grpc.Core;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>Groups, group messages, read marks and the conversation list over a real process and PostgreSQL.</summary>
public sealed class ChatServiceGroupTests(SmallGroupsChatServiceHost host) : IClassFixture<SmallGroupsChatServiceHost>
{
    private static string User(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private Contracts.Chat.V1.ChatService.ChatServiceClient Client => host.Client;

    private static async Task<StatusCode> CodeOf(Func<Task> call) =>
        (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;

    private async Task<Group> CreateAsync(string owner, params string[] members)
    {
        var request = new CreateGroupRequest { Owner = owner, Name = "team" };
        request.Members.AddRange(members);
        return await Client.CreateGroupAsync(request, Deadline);
    }

    private Task<StoreMessageResponse> SendAsync(string from, string groupId, string text, string clientId = "") =>
        Client.StoreMessageAsync(new StoreMessageRequest { Sender = from, GroupId = groupId, Text = text, ClientId = clientId }, Deadline).ResponseAsync;

    private async Task<List<Message>> InboxAsync(string user) =>
        [.. (await Client.SyncMessagesAsync(new SyncMessagesRequest { User = user, After = "", Limit = 500 }, Deadline)).Messages];

    [Fact]
    public async Task The_creator_owns_the_group_and_every_member_sees_it()
    {
        var (alice, bob, carol, dave) = (User("alice"), User("bob"), User("carol"), User("dave"));
        await host.RegisterAsync(alice, bob, carol, dave);

        var group = await CreateAsync(alice, bob, carol, bob);

        Assert.Equal(alice, group.Owner);
        Assert.Equal(new[] { alice, bob, carol }.Order(StringComparer.Ordinal), group.Members);
        Assert.Contains(group.Id, (await Client.ListGroupsAsync(new ListGroupsRequest { User = carol }, Deadline)).Groups.Select(g => g.Id));
        Assert.Empty((await Client.ListGroupsAsync(new ListGroupsRequest { User = dave }, Deadline)).Groups);
        Assert.Equal(group, await Client.GetGroupAsync(new GetGroupRequest { User = bob, GroupId = group.Id }, Deadline));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => Client.GetGroupAsync(new GetGroupRequest { User = dave, GroupId = group.Id }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => Client.GetGroupAsync(new GetGroupRequest { User = dave, GroupId = "nope" }, Deadline).ResponseAsync));
    }

    [Fact]
    public async Task A_group_message_reaches_every_members_inbox_in_order_with_their_1to1_messages()
    {
        var (alice, bob, carol, dave) = (User("alice"), User("bob"), User("carol"), User("dave"));
        await host.RegisterAsync(alice, bob, carol, dave);
        var group = await CreateAsync(alice, bob, carol);

        var first = await SendAsync(alice, group.Id, "hello team");
        var direct = await Client.StoreMessageAsync(new StoreMessageRequest { Sender = dave, Recipient = carol, Text = "psst" }, Deadline);
        var second = await SendAsync(bob, group.Id, "hi");

        Assert.Equal([first.Id, direct.Id, second.Id], (await InboxAsync(carol)).Select(m => m.Id));
        Assert.Equal([first.Id, second.Id], (await InboxAsync(alice)).Select(m => m.Id));
        Assert.Equal(group.Id, (await InboxAsync(bob))[0].GroupId);
        Assert.Equal("", (await InboxAsync(carol))[0].Recipient);
        Assert.Empty(await InboxAsync(dave));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => SendAsync(dave, group.Id, "let me in")));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => SendAsync(alice, "no-such-group", "anyone?")));
    }

    [Fact]
    public async Task Group_sends_are_idempotent_on_the_client_id()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        var group = await CreateAsync(alice, bob);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => SendAsync(alice, group.Id, "once", "g-1"))));

        Assert.Single(answers.Select(a => a.Id).Distinct());
        Assert.Single(answers, a => !a.Duplicate);
        Assert.Single(await InboxAsync(bob));
    }

    [Fact]
    public async Task Group_history_pages_newest_first_and_refuses_non_members()
    {
        var (alice, bob, eve) = (User("alice"), User("bob"), User("eve"));
        await host.RegisterAsync(alice, bob, eve);
        var group = await CreateAsync(alice, bob);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await SendAsync(i % 2 == 0 ? alice : bob, group.Id, $"m{i}")).Id);
        }

        var page1 = await Client.GetHistoryAsync(new GetHistoryRequest { User = bob, GroupId = group.Id, Limit = 3 }, Deadline);
        var page2 = await Client.GetHistoryAsync(new GetHistoryRequest { User = bob, GroupId = group.Id, Limit = 3, Before = page1.NextBefore }, Deadline);

        Assert.Equal([ids[4], ids[3], ids[2]], page1.Messages.Select(m => m.Id));
        Assert.Equal([ids[1], ids[0]], page2.Messages.Select(m => m.Id));
        Assert.Equal("", page2.NextBefore);
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => Client.GetHistoryAsync(new GetHistoryRequest { User = eve, GroupId = group.Id }, Deadline).ResponseAsync));
    }

    [Fact]
    public async Task A_removed_member_stops_receiving_and_only_the_owner_removes_others()
    {
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        await host.RegisterAsync(alice, bob, carol);
        var group = await CreateAsync(alice, bob, carol);

        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => Client.RemoveGroupMemberAsync(new RemoveGroupMemberRequest { User = bob, GroupId = group.Id, Username = carol }, Deadline).ResponseAsync));
        var afterRemoval = await Client.RemoveGroupMemberAsync(new RemoveGroupMemberRequest { User = alice, GroupId = group.Id, Username = bob }, Deadline);
        await SendAsync(alice, group.Id, "bob is gone");

        Assert.DoesNotContain(bob, afterRemoval.Members);
        Assert.Empty(await InboxAsync(bob));
        Assert.Single(await InboxAsync(carol));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => SendAsync(bob, group.Id, "still here?")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => Client.GetHistoryAsync(new GetHistoryRequest { User = bob, GroupId = group.Id }, Deadline).ResponseAsync));
    }

    [Fact]
    public async Task An_owner_who_leaves_hands_the_group_on_and_a_member_may_add_others()
    {
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        await host.RegisterAsync(alice, bob, carol);
        var group = await CreateAsync(alice, bob);

        var added = await Client.AddGroupMemberAsync(new AddGroupMemberRequest { User = bob, GroupId = group.Id, Username = carol }, Deadline);
        var addedAgain = await Client.AddGroupMemberAsync(new AddGroupMemberRequest { User = bob, GroupId = group.Id, Username = carol }, Deadline);
        var left = await Client.RemoveGroupMemberAsync(new RemoveGroupMemberRequest { User = alice, GroupId = group.Id, Username = alice }, Deadline);

        Assert.Contains(carol, added.Members);
        Assert.Equal(added.Members, addedAgain.Members);
        Assert.DoesNotContain(alice, left.Members);
        Assert.Contains(left.Owner, new[] { bob, carol });
    }

    [Fact]
    public async Task A_group_cannot_be_made_with_or_given_a_member_who_does_not_exist()
    {
        var (alice, bob, nobody) = (User("alice"), User("bob"), User("nobody"));
        await host.RegisterAsync(alice, bob);

        var create = await Assert.ThrowsAsync<RpcException>(() => CreateAsync(alice, bob, nobody));
        var group = await CreateAsync(alice, bob);
        var add = await Assert.ThrowsAsync<RpcException>(() => Client.AddGroupMemberAsync(new AddGroupMemberRequest { User = alice, GroupId = group.Id, Username = nobody }, Deadline).ResponseAsync);

        Assert.Equal((StatusCode.NotFound, $"no user is called {nobody}"), (create.StatusCode, create.Status.Detail));
        Assert.Equal(StatusCode.NotFound, add.StatusCode);
        Assert.Equal([group.Id], (await Client.ListGroupsAsync(new ListGroupsRequest { User = alice }, Deadline)).Groups.Select(g => g.Id));
        Assert.Equal(new[] { alice, bob }.Order(StringComparer.Ordinal), (await Client.GetGroupAsync(new GetGroupRequest { User = alice, GroupId = group.Id }, Deadline)).Members);
    }

    [Fact]
    public async Task Group_limits_are_clear_errors()
    {
        var (alice, bob, carol, dave, erin) = (User("alice"), User("bob"), User("carol"), User("dave"), User("erin"));
        await host.RegisterAsync(alice, bob, carol, dave, erin);
        var full = await CreateAsync(alice, bob, carol, dave);

        Assert.Equal(StatusCode.FailedPrecondition, await CodeOf(() => CreateAsync(alice, bob, carol, dave, erin)));
        Assert.Equal(StatusCode.FailedPrecondition, await CodeOf(() => Client.AddGroupMemberAsync(new AddGroupMemberRequest { User = bob, GroupId = full.Id, Username = erin }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.CreateGroupAsync(new CreateGroupRequest { Owner = alice, Name = "" }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.CreateGroupAsync(new CreateGroupRequest { Owner = alice, Name = new string('n', 65) }, Deadline).ResponseAsync));
        Assert.Equal(SmallGroupsChatServiceHost.MaxMembers, full.Members.Count);
    }

    [Fact]
    public async Task Read_marks_move_forward_only_and_the_conversation_list_counts_unread()
    {
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        await host.RegisterAsync(alice, bob, carol);
        var direct = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            direct.Add((await Client.StoreMessageAsync(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = $"d{i}" }, Deadline)).Id);
        }
        await Client.StoreMessageAsync(new StoreMessageRequest { Sender = bob, Recipient = alice, Text = "mine, never unread" }, Deadline);
        var group = await CreateAsync(carol, bob);
        await SendAsync(carol, group.Id, "g0");
        var lastInGroup = await SendAsync(carol, group.Id, "g1");

        var before = await Client.ListConversationsAsync(new ListConversationsRequest { User = bob }, Deadline);
        var marked = await Client.MarkReadAsync(new MarkReadRequest { User = bob, Peer = alice, UpTo = direct[1] }, Deadline);
        var backwards = await Client.MarkReadAsync(new MarkReadRequest { User = bob, Peer = alice, UpTo = direct[0] }, Deadline);
        var groupRead = await Client.MarkReadAsync(new MarkReadRequest { User = bob, GroupId = group.Id, UpTo = lastInGroup.Id }, Deadline);
        var firstPage = await Client.ListConversationsAsync(new ListConversationsRequest { User = bob, Limit = 1 }, Deadline);
        var secondPage = await Client.ListConversationsAsync(new ListConversationsRequest { User = bob, Limit = 1, Page = firstPage.NextPage }, Deadline);

        Assert.Equal([group.Id, ""], before.Conversations.Select(c => c.GroupId));
        Assert.Equal([2L, 3L], before.Conversations.Select(c => c.Unread));
        Assert.Equal(("team", lastInGroup.Id), (before.Conversations[0].Name, before.Conversations[0].LastMessage.Id));
        Assert.Equal((direct[1], true), (marked.ReadUpTo, marked.Advanced));
        Assert.Equal((direct[1], false), (backwards.ReadUpTo, backwards.Advanced));
        Assert.True(groupRead.Advanced);
        Assert.Equal((group.Id, 0L), (firstPage.Conversations.Single().GroupId, firstPage.Conversations.Single().Unread));
        Assert.Equal((alice, 1L, direct[1]), (secondPage.Conversations.Single().Peer, secondPage.Conversations.Single().Unread, secondPage.Conversations.Single().ReadUpTo));
        Assert.Equal("", secondPage.NextPage);
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => Client.MarkReadAsync(new MarkReadRequest { User = alice, GroupId = group.Id, UpTo = direct[0] }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.ListConversationsAsync(new ListConversationsRequest { User = bob, Page = "garbage" }, Deadline).ResponseAsync));
    }
}
