using System.Text;
using Chat.Contracts;
using Chat.Contracts.Chat.V1;
using Chat.IntegrationTests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Npgsql;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>chat.v1.ChatService over a real Kestrel process and PostgreSQL: every status code path.</summary>
public sealed class ChatServiceGrpcTests(ChatServiceHost host) : IClassFixture<ChatServiceHost>
{
    private static string User(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private Contracts.Chat.V1.ChatService.ChatServiceClient Client => host.Client;

    private Task<StoreMessageResponse> StoreAsync(string from, string to, string text, string clientId = "") =>
        Client.StoreMessageAsync(new StoreMessageRequest { Sender = from, Recipient = to, Text = text, ClientId = clientId }, Deadline).ResponseAsync;

    /// <summary>The message <paramref name="id"/> as <paramref name="recipient"/>'s inbox holds it.</summary>
    private async Task<Message> StoredAsync(string recipient, string id) =>
        Assert.Single((await Client.SyncMessagesAsync(new SyncMessagesRequest { User = recipient, After = "" }, Deadline)).Messages, m => m.Id == id);

    private static async Task<StatusCode> CodeOf(Func<Task> call) =>
        (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;

    [Fact]
    public async Task A_stored_message_comes_back_with_its_id_time_and_previous_id()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);

        var first = await StoreAsync(alice, bob, "hello", "c-1");
        var second = await StoreAsync(alice, bob, "again");

        Assert.Equal(20, first.Id.Length);
        Assert.Equal("", first.PreviousId);
        Assert.Equal(first.Id, second.PreviousId);
        Assert.False(first.Duplicate);
        Assert.InRange(first.SentAt.ToDateTimeOffset(), before, DateTimeOffset.UtcNow.AddSeconds(5));
        // The answer is the id and time only; the store holds the rest as sent.
        var stored = await StoredAsync(bob, first.Id);
        Assert.Equal((alice, bob, "hello", "c-1", "", first.SentAt), (stored.Sender, stored.Recipient, stored.Text, stored.ClientId, stored.GroupId, stored.SentAt));
        Assert.True(string.CompareOrdinal(first.Id, second.Id) < 0);
    }

    [Fact]
    public async Task History_pages_with_before_and_ends_with_an_empty_next_before()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await StoreAsync(i % 2 == 0 ? alice : bob, i % 2 == 0 ? bob : alice, $"m{i}")).Id);
        }

        var page1 = await Client.GetHistoryAsync(new GetHistoryRequest { User = alice, Peer = bob, Limit = 3 }, Deadline);
        var page2 = await Client.GetHistoryAsync(new GetHistoryRequest { User = bob, Peer = alice, Limit = 3, Before = page1.NextBefore }, Deadline);

        Assert.Equal([ids[4], ids[3], ids[2]], page1.Messages.Select(m => m.Id));
        Assert.Equal(ids[2], page1.NextBefore);
        Assert.Equal([ids[1], ids[0]], page2.Messages.Select(m => m.Id));
        Assert.Equal("", page2.NextBefore);
    }

    [Fact]
    public async Task History_page_size_defaults_to_50_and_is_capped_at_200()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 26; i++)
            {
                await StoreAsync(alice, bob, $"{w}-{i}");
            }
        })));

        var byDefault = await Client.GetHistoryAsync(new GetHistoryRequest { User = alice, Peer = bob }, Deadline);
        var capped = await Client.GetHistoryAsync(new GetHistoryRequest { User = alice, Peer = bob, Limit = 1000 }, Deadline);
        var rest = await Client.GetHistoryAsync(new GetHistoryRequest { User = alice, Peer = bob, Limit = 1000, Before = capped.NextBefore }, Deadline);

        Assert.Equal(50, byDefault.Messages.Count);
        Assert.Equal(200, capped.Messages.Count);
        Assert.Equal(8, rest.Messages.Count);
        Assert.Equal("", rest.NextBefore);
    }

    [Fact]
    public async Task Sync_without_after_starts_at_the_delivery_mark_and_says_so()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await StoreAsync(alice, bob, $"m{i}")).Id);
        }

        var fresh = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob }, Deadline);
        var ack = await Client.AckDeliveredAsync(new AckDeliveredRequest { User = bob, UpTo = ids[0] }, Deadline);
        var backwards = await Client.AckDeliveredAsync(new AckDeliveredRequest { User = bob, UpTo = "1" }, Deadline);
        var afterMark = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob }, Deadline);
        var explicitAfter = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = ids[1], Limit = 1 }, Deadline);
        var paged = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "", Limit = 1 }, Deadline);

        Assert.Equal("", fresh.After);
        Assert.Equal(ids, fresh.Messages.Select(m => m.Id));
        Assert.Equal(ids[0], ack.DeliveredUpTo);
        Assert.Equal(ids[0], backwards.DeliveredUpTo);
        Assert.Equal(ids[0], afterMark.After);
        Assert.Equal(ids[1..], afterMark.Messages.Select(m => m.Id));
        Assert.False(afterMark.HasMore);
        Assert.Equal(ids[1], explicitAfter.After);
        Assert.Equal([ids[2]], explicitAfter.Messages.Select(m => m.Id));
        Assert.True(paged.HasMore);
    }

    [Fact]
    public async Task Twenty_parallel_stores_with_one_client_id_store_one_message()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => StoreAsync(alice, bob, "once", "retry-1"))));

        Assert.Single(answers.Select(a => a.Id).Distinct());
        Assert.Single(answers, a => !a.Duplicate);
        Assert.All(answers, a => Assert.Equal((answers[0].Id, answers[0].SentAt), (a.Id, a.SentAt)));
        var inbox = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "" }, Deadline);
        Assert.Single(inbox.Messages);
    }

    [Fact]
    public async Task Text_of_exactly_4096_bytes_is_stored_and_one_byte_more_is_InvalidArgument()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        var fits = string.Concat(Enumerable.Repeat("😀", 1024));
        Assert.Equal(4096, Encoding.UTF8.GetByteCount(fits));

        var stored = await StoreAsync(alice, bob, fits);

        Assert.Equal(fits, (await StoredAsync(bob, stored.Id)).Text);
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => StoreAsync(alice, bob, fits + "a")));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => StoreAsync(alice, bob, string.Concat(Enumerable.Repeat("é", 2049)))));
    }

    public static TheoryData<string, StoreMessageRequest> InvalidStores => new()
    {
        { "empty text", new StoreMessageRequest { Sender = "alice", Recipient = "bob", Text = "" } },
        { "no sender", new StoreMessageRequest { Recipient = "bob", Text = "hi" } },
        { "blank sender", new StoreMessageRequest { Sender = " ", Recipient = "bob", Text = "hi" } },
        { "no recipient", new StoreMessageRequest { Sender = "alice", Text = "hi" } },
        { "recipient and group", new StoreMessageRequest { Sender = "alice", Recipient = "bob", GroupId = "g1", Text = "hi" } },
        { "client id of 65", new StoreMessageRequest { Sender = "alice", Recipient = "bob", Text = "hi", ClientId = new string('c', 65) } },
        { "sender of 65", new StoreMessageRequest { Sender = new string('a', 65), Recipient = "bob", Text = "hi" } },
        // PostgreSQL's text cannot hold U+0000: refused as bad input, not taken for an outage (issue 23).
        { "NUL in text", new StoreMessageRequest { Sender = "alice", Recipient = "bob", Text = "a\0b" } },
        { "NUL in client id", new StoreMessageRequest { Sender = "alice", Recipient = "bob", Text = "hi", ClientId = "c\0" } },
        { "NUL in recipient", new StoreMessageRequest { Sender = "alice", Recipient = "b\0b", Text = "hi" } },
        { "NUL in sender", new StoreMessageRequest { Sender = "al\0ce", Recipient = "bob", Text = "hi" } },
    };

    [Fact]
    public async Task A_group_name_with_NUL_is_InvalidArgument()
    {
        var request = new CreateGroupRequest { Owner = User("alice"), Name = "week\0end" };

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateGroupAsync(request, Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Theory]
    [MemberData(nameof(InvalidStores))]
    public async Task Bad_stores_are_InvalidArgument_and_store_nothing(string why, StoreMessageRequest request)
    {
        var recipient = request.Recipient;
        if (recipient.Length > 0)
        {
            request.Recipient = User(recipient);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.StoreMessageAsync(request, Deadline).ResponseAsync);

        Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{why}: {error.Status}");
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail));
        if (request.Recipient.Length > 0 && !request.Recipient.Contains('\0', StringComparison.Ordinal))
        {
            var inbox = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = request.Recipient }, Deadline);
            Assert.Empty(inbox.Messages);
        }
    }

    [Fact]
    public async Task A_message_to_or_from_nobody_is_NotFound_and_stores_nothing()
    {
        var (alice, nobody) = (User("alice"), User("nobody"));
        await host.RegisterAsync(alice);

        var toNobody = await Assert.ThrowsAsync<RpcException>(() => StoreAsync(alice, nobody, "hello?", "c-1"));
        var fromNobody = await Assert.ThrowsAsync<RpcException>(() => StoreAsync(nobody, alice, "boo"));
        var otherSpelling = await Assert.ThrowsAsync<RpcException>(() => StoreAsync(alice, alice.ToUpperInvariant(), "me?"));

        Assert.Equal((StatusCode.NotFound, $"no user is called {nobody}"), (toNobody.StatusCode, toNobody.Status.Detail));
        Assert.Equal(StatusCode.NotFound, fromNobody.StatusCode);
        Assert.Equal(StatusCode.NotFound, otherSpelling.StatusCode);
        Assert.Empty((await Client.SyncMessagesAsync(new SyncMessagesRequest { User = nobody, After = "" }, Deadline)).Messages);
        Assert.Empty((await Client.SyncMessagesAsync(new SyncMessagesRequest { User = alice, After = "" }, Deadline)).Messages);
        Assert.Empty((await Client.GetHistoryAsync(new GetHistoryRequest { User = alice, Peer = nobody }, Deadline)).Messages);
    }

    [Fact]
    public async Task Many_messages_in_one_call_are_each_stored_or_refused_as_one_call_each_would_be()
    {
        var (alice, bob, nobody) = (User("alice"), User("bob"), User("nobody"));
        await host.RegisterAsync(alice, bob);
        var earlier = await StoreAsync(alice, bob, "earlier", "c-0");
        var request = new StoreMessagesRequest();
        request.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "one", ClientId = "c-1" });
        request.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = nobody, Text = "lost?", ClientId = "c-2" });
        request.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "", ClientId = "c-3" });
        request.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "retried", ClientId = "c-0" });
        request.Messages.Add(new StoreMessageRequest { Sender = bob, Recipient = alice, Text = "two", ClientId = "c-4" });

        var outcomes = (await Client.StoreMessagesAsync(request, Deadline)).Outcomes;

        Assert.Equal(5, outcomes.Count);
        Assert.Equal(StoreOutcome.ResultOneofCase.Stored, outcomes[0].ResultCase);
        Assert.Equal(((int)StatusCode.NotFound, $"no user is called {nobody}"), (outcomes[1].Refused.Code, outcomes[1].Refused.Detail));
        Assert.Equal((int)StatusCode.InvalidArgument, outcomes[2].Refused.Code);
        Assert.True(outcomes[3].Stored.Duplicate); // c-0 was stored before: its first id, not a second message
        Assert.Equal(earlier.Id, outcomes[3].Stored.Id);
        Assert.False(outcomes[4].Stored.Duplicate);
        var inbox = (await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "" }, Deadline)).Messages;
        Assert.Equal(["earlier", "one"], inbox.Where(m => m.Sender == alice).Select(m => m.Text));
        Assert.Equal("one", (await StoredAsync(bob, outcomes[0].Stored.Id)).Text);
        Assert.Equal("two", (await StoredAsync(alice, outcomes[4].Stored.Id)).Text);
    }

    [Fact]
    public async Task More_messages_in_one_call_than_the_contract_allows_is_InvalidArgument_and_stores_nothing()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        var request = new StoreMessagesRequest();
        request.Messages.AddRange(Enumerable.Range(0, MessageLimits.MaxMessagesPerStoreCall + 1)
            .Select(i => new StoreMessageRequest { Sender = alice, Recipient = bob, Text = $"m{i}" }));

        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.StoreMessagesAsync(request, Deadline).ResponseAsync));
        Assert.Empty((await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "" }, Deadline)).Messages);
        Assert.Empty((await Client.StoreMessagesAsync(new StoreMessagesRequest(), Deadline)).Outcomes);
    }

    [Fact]
    public async Task The_store_stream_answers_each_batch_by_its_id_and_a_failed_batch_leaves_it_open()
    {
        var (alice, bob, nobody) = (User("alice"), User("bob"), User("nobody"));
        await host.RegisterAsync(alice, bob);
        using var stream = Client.StoreMessageStream(Deadline);
        var mixed = new StoreBatch { Id = 7 };
        mixed.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "one", ClientId = "s-1" });
        mixed.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = nobody, Text = "lost?", ClientId = "s-2" });
        var tooMany = new StoreBatch { Id = 8 };
        tooMany.Messages.AddRange(Enumerable.Range(0, MessageLimits.MaxMessagesPerStoreCall + 1)
            .Select(i => new StoreMessageRequest { Sender = alice, Recipient = bob, Text = $"m{i}", ClientId = $"many-{i}" }));
        var unstorable = new StoreBatch { Id = 9 };
        unstorable.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "nul\0", ClientId = "s-3" });
        var again = new StoreBatch { Id = 10 };
        again.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "one", ClientId = "s-1" });

        foreach (var batch in new[] { mixed, tooMany, unstorable })
        {
            await stream.RequestStream.WriteAsync(batch);
        }
        var answers = new Dictionary<ulong, StoredBatch>();
        while (answers.Count < 3 && await stream.ResponseStream.MoveNext())
        {
            answers.Add(stream.ResponseStream.Current.Id, stream.ResponseStream.Current);
        }
        // Sent after the failed ones: the stream is still open.
        await stream.RequestStream.WriteAsync(again);
        await stream.RequestStream.CompleteAsync();
        while (await stream.ResponseStream.MoveNext())
        {
            answers.Add(stream.ResponseStream.Current.Id, stream.ResponseStream.Current);
        }

        Assert.Equal([7ul, 8ul, 9ul, 10ul], answers.Keys.Order());
        var stored = answers[7].Outcomes[0].Stored;
        Assert.Equal(((int)StatusCode.NotFound, $"no user is called {nobody}"), (answers[7].Outcomes[1].Refused.Code, answers[7].Outcomes[1].Refused.Detail));
        Assert.Null(answers[7].Failed);
        Assert.Equal((int)StatusCode.InvalidArgument, answers[8].Failed.Code);
        Assert.Empty(answers[8].Outcomes);
        Assert.Equal(((int)StatusCode.InvalidArgument, $"messages.text {StorableText.Rule}"), (answers[9].Failed.Code, answers[9].Failed.Detail));
        Assert.True(answers[10].Outcomes.Single().Stored.Duplicate);
        Assert.Equal(stored.Id, answers[10].Outcomes.Single().Stored.Id);
        Assert.Equal(["one"], (await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "" }, Deadline)).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task A_name_refused_once_is_found_as_soon_as_it_is_registered()
    {
        var (alice, late) = (User("alice"), User("late"));
        await host.RegisterAsync(alice);
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => StoreAsync(alice, late, "too early", "c-1")));

        await host.RegisterAsync(late);
        var stored = await StoreAsync(alice, late, "now", "c-1");

        Assert.False(stored.Duplicate);
        Assert.Equal(["now"], (await Client.SyncMessagesAsync(new SyncMessagesRequest { User = late, After = "" }, Deadline)).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task A_client_id_of_64_characters_is_accepted()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        var stored = await StoreAsync(alice, bob, "hi", new string('c', 64));

        Assert.Equal(64, (await StoredAsync(bob, stored.Id)).ClientId.Length);
    }

    [Fact]
    public async Task Bad_cursors_and_fields_are_InvalidArgument()
    {
        var bob = User("bob");

        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.GetHistoryAsync(new GetHistoryRequest { User = bob, Peer = "alice", Before = "12ab" }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.GetHistoryAsync(new GetHistoryRequest { User = bob, Before = "1" }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.GetHistoryAsync(new GetHistoryRequest { Peer = "alice" }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "-1" }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = new string('9', 21) }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = new string('9', 20) }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.SyncMessagesAsync(new SyncMessagesRequest(), Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.AckDeliveredAsync(new AckDeliveredRequest { User = bob }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.AckDeliveredAsync(new AckDeliveredRequest { User = bob, UpTo = "x" }, Deadline).ResponseAsync));
    }

    [Fact]
    public async Task Many_delivery_marks_are_written_in_one_call_each_as_a_single_ack_would_be()
    {
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        await host.RegisterAsync(alice, bob, carol);
        var toBob = (await StoreAsync(alice, bob, "1")).Id;
        var toCarol = (await StoreAsync(alice, carol, "2")).Id;
        var request = new AckDeliveredManyRequest();
        request.Marks.Add(new AckDeliveredRequest { User = bob, UpTo = toBob });
        request.Marks.Add(new AckDeliveredRequest { User = carol, UpTo = new string('9', 18) }); // past carol's last: capped
        request.Marks.Add(new AckDeliveredRequest { User = alice, UpTo = toBob }); // alice received nothing: 0

        var answer = await Client.AckDeliveredManyAsync(request, Deadline);
        var bobSync = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob }, Deadline);
        var tooMany = new AckDeliveredManyRequest();
        tooMany.Marks.AddRange(Enumerable.Range(0, 1001).Select(_ => new AckDeliveredRequest { User = bob, UpTo = toBob }));
        var oneBad = new AckDeliveredManyRequest();
        oneBad.Marks.Add(new AckDeliveredRequest { User = bob, UpTo = toBob });
        oneBad.Marks.Add(new AckDeliveredRequest { User = carol, UpTo = "x" });

        Assert.Equal([toBob, toCarol, ""], answer.Marks.Select(m => m.DeliveredUpTo));
        Assert.Equal(toBob, bobSync.After);
        Assert.Empty(bobSync.Messages);
        Assert.Empty((await Client.AckDeliveredManyAsync(new AckDeliveredManyRequest(), Deadline)).Marks);
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.AckDeliveredManyAsync(tooMany, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => Client.AckDeliveredManyAsync(oneBad, Deadline).ResponseAsync));
    }

    [Fact]
    public async Task Unknown_fields_are_ignored()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        var known = new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "from a newer client" }.ToByteArray();
        // Field 99, varint 1: a field this server's contract does not have.
        byte[] withUnknown = [.. known, 0x98, 0x06, 0x01];
        var raw = new Method<byte[], StoreMessageResponse>(
            MethodType.Unary, "chat.v1.ChatService", "StoreMessage",
            Marshallers.Create(b => b, b => b),
            Marshallers.Create(r => r.ToByteArray(), StoreMessageResponse.Parser.ParseFrom));

        var response = await host.Channel.CreateCallInvoker().AsyncUnaryCall(raw, null, Deadline, withUnknown);

        Assert.Equal("from a newer client", (await StoredAsync(bob, response.Id)).Text);
    }

    [Fact]
    public async Task A_store_that_outlives_its_deadline_is_DeadlineExceeded_and_stores_nothing()
    {
        var (alice, bob) = (User("alice"), User("bob"));
        await host.RegisterAsync(alice, bob);
        await StoreAsync(alice, bob, "creates the heads");
        await using var blocker = new NpgsqlConnection(host.ConnectionString);
        await blocker.OpenAsync();
        await using (var transaction = await blocker.BeginTransactionAsync())
        {
            await using var lockBob = new NpgsqlCommand("SELECT 1 FROM inbox_heads WHERE username = $1 FOR UPDATE", blocker, transaction);
            lockBob.Parameters.Add(new NpgsqlParameter<string> { TypedValue = bob });
            await lockBob.ExecuteNonQueryAsync();

            var code = await CodeOf(() => Client.StoreMessageAsync(
                new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "too late" },
                new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(700))).ResponseAsync);

            Assert.Equal(StatusCode.DeadlineExceeded, code);
            // The server cancels its query when the deadline passes; only then may the lock go.
            await PostgresLockWaits.UntilAsync(blocker, waiting => waiting == 0, "no query waiting for a lock", TimeSpan.FromSeconds(15));
            await transaction.RollbackAsync();
        }

        var inbox = await Client.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "" }, Deadline);
        Assert.Equal(["creates the heads"], inbox.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Health_reports_serving_once_the_store_answers()
    {
        var health = new Health.HealthClient(host.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest(), Deadline);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_chat_service()
    {
        var reflection = new ServerReflection.ServerReflectionClient(host.Channel);
        using var call = reflection.ServerReflectionInfo(Deadline);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("chat.v1.ChatService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
