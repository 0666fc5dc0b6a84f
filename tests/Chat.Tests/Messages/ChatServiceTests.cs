using Chat.Contracts.Chat.V1;
using Chat.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace Chat.Tests.Messages;

public sealed class ChatServiceFixture : IAsyncLifetime
{
    public ChatServiceHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ChatServiceHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>chat.v1.ChatService over real gRPC on a real Postgres.</summary>
public sealed class ChatServiceTests(ChatServiceFixture fixture) : IClassFixture<ChatServiceFixture>
{
    private global::Chat.Contracts.Chat.V1.ChatService.ChatServiceClient Client => fixture.Host.Client;

    private static string NewUser() => $"u{Guid.NewGuid():N}"[..16];

    private Task<StoreMessageResponse> Store(string from, string to, string text, string clientId = "") =>
        Client.StoreMessageAsync(new StoreMessageRequest { Sender = from, Recipient = to, Text = text, ClientId = clientId }).ResponseAsync;

    [Fact]
    public async Task Stored_messages_chain_their_recipients_previous_id()
    {
        var (alice, bob) = (NewUser(), NewUser());
        var first = await Store(alice, bob, "one");
        var second = await Store(bob, alice, "two");
        var third = await Store(alice, bob, "three");
        Assert.Equal("", first.PreviousId);
        Assert.Equal("", second.PreviousId); // alice had received nothing before
        Assert.Equal(first.Message.Id, third.PreviousId);
        Assert.True(string.CompareOrdinal(first.Message.Id, second.Message.Id) < 0);
        Assert.True(string.CompareOrdinal(second.Message.Id, third.Message.Id) < 0);
        Assert.All(new[] { first, second, third }, r => Assert.Equal(20, r.Message.Id.Length));
    }

    [Fact]
    public async Task The_same_client_id_stores_one_message_under_concurrency()
    {
        var (alice, bob) = (NewUser(), NewUser());
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Store(alice, bob, "exactly once", "c-1")));
        Assert.Single(answers.Select(a => a.Message.Id).Distinct());
        Assert.Single(answers, a => !a.Duplicate);
        var inbox = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob });
        Assert.Single(inbox.Messages);
        Assert.Equal("c-1", inbox.Messages[0].ClientId);
    }

    [Fact]
    public async Task Sync_pages_oldest_first_from_the_delivery_mark_which_only_moves_forward()
    {
        var (alice, bob) = (NewUser(), NewUser());
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await Store(alice, bob, $"m{i}")).Message.Id);
        }
        var page = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, Limit = 3 });
        Assert.Equal(ids[..3], page.Messages.Select(m => m.Id));
        Assert.True(page.HasMore);
        Assert.Equal("", page.After);

        Assert.Equal(ids[2], (await Client.AckDeliveredAsync(new AckDeliveredRequest { User = bob, UpTo = ids[2] })).DeliveredUpTo);
        Assert.Equal(ids[2], (await Client.AckDeliveredAsync(new AckDeliveredRequest { User = bob, UpTo = ids[0] })).DeliveredUpTo);

        var rest = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob });
        Assert.Equal(ids[2], rest.After);
        Assert.Equal(ids[3..], rest.Messages.Select(m => m.Id));
        Assert.False(rest.HasMore);

        var resumed = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = ids[0] });
        Assert.Equal(ids[1..], resumed.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task History_is_both_directions_newest_first_with_a_cursor_and_a_capped_page()
    {
        var (alice, bob, carol) = (NewUser(), NewUser(), NewUser());
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await (i % 2 == 0 ? Store(alice, bob, $"h{i}") : Store(bob, alice, $"h{i}"))).Message.Id);
        }
        await Store(alice, carol, "another conversation");

        var page = await Client.GetHistoryAsync(new GetHistoryRequest { User = alice, Peer = bob, Limit = 4 });
        Assert.Equal(new[] { ids[5], ids[4], ids[3], ids[2] }, page.Messages.Select(m => m.Id));
        Assert.Equal(ids[2], page.NextBefore);
        var older = await Client.GetHistoryAsync(new GetHistoryRequest { User = bob, Peer = alice, Before = page.NextBefore, Limit = 4 });
        Assert.Equal(new[] { ids[1], ids[0] }, older.Messages.Select(m => m.Id));
        Assert.Equal("", older.NextBefore);

        var capped = await Client.GetHistoryAsync(new GetHistoryRequest { User = alice, Peer = bob, Limit = 100_000 });
        Assert.Equal(6, capped.Messages.Count);
    }

    [Theory]
    [InlineData("", "bob", "hi", "")]
    [InlineData("alice", "", "hi", "")]
    [InlineData("alice", "bob", "", "")]
    [InlineData("alice", "bob", "hi", "0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task Bad_messages_are_invalid_arguments(string from, string to, string text, string clientId)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Store(from, to, text, clientId));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task Text_is_limited_to_4096_bytes_of_utf8()
    {
        var (alice, bob) = (NewUser(), NewUser());
        await Store(alice, bob, new string('é', 2048));
        var e = await Assert.ThrowsAsync<RpcException>(() => Store(alice, bob, new string('é', 2048) + "x"));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var cursor = await Assert.ThrowsAsync<RpcException>(() => Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "drop table" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, cursor.StatusCode);
    }

    [Fact]
    public async Task A_note_to_self_is_allowed()
    {
        var alice = NewUser();
        var note = await Store(alice, alice, "remember the milk");
        var inbox = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = alice });
        Assert.Equal(note.Message.Id, Assert.Single(inbox.Messages).Id);
    }

    [Fact]
    public async Task An_expired_deadline_is_deadline_exceeded()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.StoreMessageAsync(
            new StoreMessageRequest { Sender = NewUser(), Recipient = NewUser(), Text = "late" }, deadline: DateTime.UtcNow.AddMilliseconds(-1)).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
    }

    [Fact]
    public async Task Health_and_reflection_are_served()
    {
        var health = new Health.HealthClient(fixture.Host.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        var reflection = new ServerReflection.ServerReflectionClient(fixture.Host.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("chat.v1.ChatService", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
    }
}
