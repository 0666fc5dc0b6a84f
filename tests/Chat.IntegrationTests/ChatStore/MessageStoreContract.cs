using System.Text;
using Chat.ChatService.Messages;
using Chat.Contracts;
using Chat.ChatService.Storage;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// What every message store must do, written once and run against each implementation (the
/// subclasses say how to get a store). Each test uses usernames of its own, so tests can share a
/// database.
/// </summary>
public abstract class MessageStoreContract
{
    /// <summary>A store with its schema applied; skips the test when the backend is not available here.</summary>
    protected abstract Task<IMessageStore> StoreAsync();

    private static string User(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static async Task<long> AdvanceDeliveryMarkAsync(IMessageStore store, string user, long upTo) =>
        (await store.AdvanceDeliveryMarksAsync([new DeliveryMark(user, upTo)], Timeout))[0];

    [SkippableFact]
    public async Task Ids_are_fixed_width_and_increase_for_each_user_in_both_directions()
    {
        var store = await StoreAsync();
        var (alice, bob) = (User("alice"), User("bob"));

        var ids = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            var (from, to) = i % 3 == 0 ? (bob, alice) : (alice, bob);
            ids.Add((await store.StoreAsync(new NewMessage(from, to, $"m{i}", null), Timeout)).Message.Id);
        }

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(MessageId.Width, MessageId.Format(id).Length));
        var asStrings = ids.Select(MessageId.Format).ToList();
        Assert.Equal(asStrings.Order(StringComparer.Ordinal), asStrings);
    }

    [SkippableFact]
    public async Task Previous_id_is_the_recipients_last_received_message()
    {
        var store = await StoreAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));

        var first = await store.StoreAsync(new NewMessage(alice, bob, "1", null), Timeout);
        var reply = await store.StoreAsync(new NewMessage(bob, alice, "2", null), Timeout);
        var second = await store.StoreAsync(new NewMessage(carol, bob, "3", null), Timeout);

        Assert.Equal(0, first.PreviousId);
        Assert.Equal(0, reply.PreviousId);
        // bob's own message to alice is not in his inbox: it is not the one before.
        Assert.Equal(first.Message.Id, second.PreviousId);
    }

    [SkippableFact]
    public async Task History_pages_newest_first_across_page_boundaries()
    {
        var store = await StoreAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        var sent = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            var (from, to) = i % 2 == 0 ? (alice, bob) : (bob, alice);
            sent.Add((await store.StoreAsync(new NewMessage(from, to, $"m{i}", null), Timeout)).Message.Id);
            await store.StoreAsync(new NewMessage(alice, carol, "another conversation", null), Timeout);
        }

        var pages = new List<MessagePage>();
        long before = 0;
        do
        {
            var page = await store.GetConversationAsync(bob, alice, before, 10, Timeout);
            pages.Add(page);
            before = page.HasMore ? page.Messages[^1].Id : 0;
        }
        while (before != 0);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Messages.Count));
        Assert.Equal([true, true, false], pages.Select(p => p.HasMore));
        Assert.Equal(Enumerable.Reverse(sent), pages.SelectMany(p => p.Messages).Select(m => m.Id));
    }

    [SkippableFact]
    public async Task History_of_exactly_one_page_has_no_more()
    {
        var store = await StoreAsync();
        var (alice, bob) = (User("alice"), User("bob"));
        for (var i = 0; i < 5; i++)
        {
            await store.StoreAsync(new NewMessage(alice, bob, "x", null), Timeout);
        }

        var page = await store.GetConversationAsync(alice, bob, 0, 5, Timeout);

        Assert.Equal(5, page.Messages.Count);
        Assert.False(page.HasMore);
    }

    [SkippableFact]
    public async Task Inbox_after_an_id_is_the_later_incoming_messages_oldest_first()
    {
        var store = await StoreAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        var toBob = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            toBob.Add((await store.StoreAsync(new NewMessage(i % 2 == 0 ? alice : carol, bob, $"m{i}", null), Timeout)).Message.Id);
            await store.StoreAsync(new NewMessage(bob, alice, "outgoing, not in bob's inbox", null), Timeout);
        }

        var first = await store.GetInboxAsync(bob, toBob[1], 3, Timeout);
        var rest = await store.GetInboxAsync(bob, first.Messages[^1].Id, 3, Timeout);

        Assert.Equal(toBob[2..5], first.Messages.Select(m => m.Id));
        Assert.True(first.HasMore);
        Assert.Equal(toBob[1], first.After);
        Assert.Equal(toBob[5..], rest.Messages.Select(m => m.Id));
        Assert.False(rest.HasMore);
        Assert.All(first.Messages.Concat(rest.Messages), m => Assert.Equal(bob, m.Recipient));
    }

    [SkippableFact]
    public async Task Inbox_without_an_id_starts_after_the_delivery_mark()
    {
        var store = await StoreAsync();
        var (alice, bob) = (User("alice"), User("bob"));
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await store.StoreAsync(new NewMessage(alice, bob, $"m{i}", null), Timeout)).Message.Id);
        }

        var unmarked = await store.GetInboxAsync(bob, null, 100, Timeout);
        var mark = await AdvanceDeliveryMarkAsync(store, bob, ids[1]);
        var marked = await store.GetInboxAsync(bob, null, 100, Timeout);

        Assert.Equal(0, unmarked.After);
        Assert.Equal(ids, unmarked.Messages.Select(m => m.Id));
        Assert.Equal(ids[1], mark);
        Assert.Equal(ids[1], marked.After);
        Assert.Equal(ids[2..], marked.Messages.Select(m => m.Id));
    }

    [SkippableFact]
    public async Task Delivery_mark_only_moves_forward_and_never_past_the_last_received_message()
    {
        var store = await StoreAsync();
        var (alice, bob) = (User("alice"), User("bob"));
        var first = (await store.StoreAsync(new NewMessage(alice, bob, "1", null), Timeout)).Message.Id;
        var second = (await store.StoreAsync(new NewMessage(alice, bob, "2", null), Timeout)).Message.Id;

        Assert.Equal(0, await AdvanceDeliveryMarkAsync(store, alice, second));
        Assert.Equal(second, await AdvanceDeliveryMarkAsync(store, bob, second));
        Assert.Equal(second, await AdvanceDeliveryMarkAsync(store, bob, first));
        Assert.Equal(second, await AdvanceDeliveryMarkAsync(store, bob, long.MaxValue));
    }

    [SkippableFact]
    public async Task Delivery_marks_of_many_users_move_together_and_a_user_named_twice_gets_the_higher()
    {
        var store = await StoreAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        var toBob1 = (await store.StoreAsync(new NewMessage(alice, bob, "1", null), Timeout)).Message.Id;
        var toBob2 = (await store.StoreAsync(new NewMessage(alice, bob, "2", null), Timeout)).Message.Id;
        var toCarol = (await store.StoreAsync(new NewMessage(alice, carol, "3", null), Timeout)).Message.Id;

        var marks = await store.AdvanceDeliveryMarksAsync(
            [new DeliveryMark(bob, toBob2), new DeliveryMark(carol, toCarol), new DeliveryMark(bob, toBob1), new DeliveryMark(alice, toCarol)], Timeout);

        Assert.Equal([toBob2, toCarol, toBob2, 0], marks);
        Assert.Empty((await store.GetInboxAsync(bob, null, 100, Timeout)).Messages);
        Assert.Empty((await store.GetInboxAsync(carol, null, 100, Timeout)).Messages);
    }

    [SkippableFact]
    public async Task The_same_client_id_stores_one_message_under_50_concurrent_retries()
    {
        var store = await StoreAsync();
        var (alice, bob) = (User("alice"), User("bob"));

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            Task.Run(() => store.StoreAsync(new NewMessage(alice, bob, "once", "c-1"), Timeout))));

        Assert.Single(results.Select(r => r.Message.Id).Distinct());
        Assert.Single(results, r => !r.Duplicate);
        Assert.All(results, r => Assert.Equal(results[0].Message, r.Message));
        var inbox = await store.GetInboxAsync(bob, 0, 100, Timeout);
        Assert.Single(inbox.Messages);
        Assert.Equal("c-1", inbox.Messages[0].ClientId);
    }

    [SkippableFact]
    public async Task A_retry_gets_the_first_message_back_even_with_another_text()
    {
        var store = await StoreAsync();
        var (alice, bob) = (User("alice"), User("bob"));

        var first = await store.StoreAsync(new NewMessage(alice, bob, "first", "c-9"), Timeout);
        await store.StoreAsync(new NewMessage(alice, bob, "in between", null), Timeout);
        var retry = await store.StoreAsync(new NewMessage(alice, bob, "changed", "c-9"), Timeout);

        Assert.True(retry.Duplicate);
        Assert.Equal(first.Message, retry.Message);
        Assert.Equal(first.PreviousId, retry.PreviousId);
    }

    [SkippableFact]
    public async Task A_client_id_belongs_to_its_sender()
    {
        var store = await StoreAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));

        var fromAlice = await store.StoreAsync(new NewMessage(alice, bob, "a", "same"), Timeout);
        var fromCarol = await store.StoreAsync(new NewMessage(carol, bob, "c", "same"), Timeout);

        Assert.False(fromCarol.Duplicate);
        Assert.NotEqual(fromAlice.Message.Id, fromCarol.Message.Id);
    }

    [SkippableTheory]
    [InlineData("emoji 😀👩🏽‍💻🇺🇦 and a ZWJ family 👨‍👩‍👧")]
    [InlineData("עברית: שלום עולם")]
    [InlineData("العربية: مرحبا بالعالم \u200F!")]
    [InlineData("mixed ltr עם rtl و 中文 and combining e\u0301")]
    public async Task Text_is_stored_exactly(string text)
    {
        var store = await StoreAsync();
        var (alice, bob) = (User("alice"), User("bob"));

        await store.StoreAsync(new NewMessage(alice, bob, text, null), Timeout);
        var inbox = await store.GetInboxAsync(bob, 0, 10, Timeout);

        Assert.Equal(Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(inbox.Messages.Single().Text));
    }

    [SkippableFact]
    public async Task A_note_to_self_is_stored_once_in_the_users_inbox_and_history()
    {
        var store = await StoreAsync();
        var alice = User("alice");

        var first = await store.StoreAsync(new NewMessage(alice, alice, "remember", null), Timeout);
        var second = await store.StoreAsync(new NewMessage(alice, alice, "the milk", null), Timeout);

        Assert.Equal(first.Message.Id, second.PreviousId);
        Assert.Equal([first.Message.Id, second.Message.Id], (await store.GetInboxAsync(alice, 0, 10, Timeout)).Messages.Select(m => m.Id));
        Assert.Equal([second.Message.Id, first.Message.Id], (await store.GetConversationAsync(alice, alice, 0, 10, Timeout)).Messages.Select(m => m.Id));
    }

    [SkippableFact]
    public async Task Concurrent_stores_to_one_user_chain_in_id_order()
    {
        var store = await StoreAsync();
        var bob = User("bob");
        var senders = Enumerable.Range(0, 10).Select(i => User($"s{i}")).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            Task.Run(() => store.StoreAsync(new NewMessage(senders[i % senders.Length], bob, $"m{i}", null), Timeout))));

        var inbox = (await store.GetInboxAsync(bob, 0, 500, Timeout)).Messages;
        var byId = results.OrderBy(r => r.Message.Id).ToList();
        Assert.Equal(byId.Select(r => r.Message.Id), inbox.Select(m => m.Id));
        // Each message's previous id is the one just before it: no two stores saw the same head.
        Assert.Equal([0L, .. byId.Select(r => r.Message.Id).SkipLast(1)], byId.Select(r => r.PreviousId));
    }

    [SkippableFact]
    public async Task Concurrent_stores_between_unrelated_users_all_get_ids_of_their_own()
    {
        var store = await StoreAsync();
        var pairs = Enumerable.Range(0, 60).Select(i => (From: User($"a{i}"), To: User($"b{i}"))).ToArray();

        var results = await Task.WhenAll(pairs.Select(p => Task.Run(() => store.StoreAsync(new NewMessage(p.From, p.To, "hi", null), Timeout))));

        Assert.Equal(results.Length, results.Select(r => r.Message.Id).Distinct().Count());
        foreach (var (pair, result) in pairs.Zip(results))
        {
            var inbox = await store.GetInboxAsync(pair.To, 0, 10, Timeout);
            Assert.Equal(result.Message.Id, inbox.Messages.Single().Id);
        }
    }
}
