using Chat.Contracts.Chat.V1;
using Chat.Edge.Messaging;
using Grpc.Core;
using Chat.ServiceDefaults.Grpc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.UnitTests.Messaging;

/// <summary>
/// How the Edge carries sends to ChatService: many in one batch while batches are unanswered,
/// each send with its own answer. ChatService here is a client whose store stream the test answers.
/// </summary>
public sealed class StoreBatcherTests
{
    [Fact]
    public async Task Sends_that_arrive_while_a_batch_is_unanswered_share_the_next_batch_in_their_order()
    {
        var chat = new HeldStoreService();
        var batcher = Batcher(chat, batchesInFlight: 1);

        var a = batcher.StoreAsync(Message("a"), CancellationToken.None);
        var b = batcher.StoreAsync(Message("b"), CancellationToken.None);
        var c = batcher.StoreAsync(Message("c"), CancellationToken.None);
        Assert.Equal(["a"], chat.Batches.Single().Texts);

        chat.Answer(0);
        Assert.Equal("id-a", (await a).Id);
        await chat.BatchArrived(1);
        Assert.Equal(["b", "c"], chat.Batches[1].Texts);
        chat.Answer(1);
        Assert.Equal("id-b", (await b).Id);
        Assert.Equal("id-c", (await c).Id);
        Assert.Equal(2, chat.Batches.Count);
    }

    [Fact]
    public void With_batches_to_spare_a_send_goes_at_once()
    {
        var chat = new HeldStoreService();
        var batcher = Batcher(chat, batchesInFlight: 2);

        _ = batcher.StoreAsync(Message("a"), CancellationToken.None);
        _ = batcher.StoreAsync(Message("b"), CancellationToken.None);
        _ = batcher.StoreAsync(Message("c"), CancellationToken.None);

        Assert.Equal([["a"], ["b"]], chat.Batches.Select(c => c.Texts));
    }

    [Fact]
    public async Task A_refused_message_fails_alone_with_the_status_StoreMessage_would_have_answered()
    {
        var chat = new HeldStoreService { Refuse = "b" };
        var batcher = Batcher(chat, batchesInFlight: 1);
        var first = batcher.StoreAsync(Message("first"), CancellationToken.None);
        var a = batcher.StoreAsync(Message("a"), CancellationToken.None);
        var b = batcher.StoreAsync(Message("b"), CancellationToken.None);
        chat.Answer(0);
        await first;
        await chat.BatchArrived(1);
        chat.Answer(1);

        Assert.Equal("id-a", (await a).Id);
        var refused = await Assert.ThrowsAsync<RpcException>(() => b);
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Equal("no user b", refused.Status.Detail);
    }

    [Fact]
    public async Task A_failed_batch_fails_every_send_in_it_and_the_next_sends_go_in_a_new_batch()
    {
        var chat = new HeldStoreService();
        var batcher = Batcher(chat, batchesInFlight: 1);
        var a = batcher.StoreAsync(Message("a"), CancellationToken.None);
        var b = batcher.StoreAsync(Message("b"), CancellationToken.None);

        chat.Fail(0, StatusCode.Internal, "broken");
        Assert.Equal(StatusCode.Internal, (await Assert.ThrowsAsync<RpcException>(() => a)).StatusCode);
        await chat.BatchArrived(1);
        chat.Fail(1, StatusCode.DeadlineExceeded, "late");
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => b)).StatusCode);

        var c = batcher.StoreAsync(Message("c"), CancellationToken.None);
        await chat.BatchArrived(2);
        chat.Answer(2);
        Assert.Equal("id-c", (await c).Id);
    }

    [Fact]
    public async Task A_batch_carries_at_most_the_configured_number_of_messages()
    {
        var chat = new HeldStoreService();
        var batcher = Batcher(chat, batchesInFlight: 1, perBatch: 2);
        var sends = new[] { "first", "a", "b", "c" }.Select(t => batcher.StoreAsync(Message(t), CancellationToken.None)).ToList();

        chat.Answer(0);
        await chat.BatchArrived(1);
        chat.Answer(1);
        await chat.BatchArrived(2);
        chat.Answer(2);
        await Task.WhenAll(sends);

        Assert.Equal([["first"], ["a", "b"], ["c"]], chat.Batches.Select(c => c.Texts));
    }

    [Fact]
    public async Task A_sender_that_stops_waiting_leaves_its_message_in_the_batch()
    {
        var chat = new HeldStoreService();
        var batcher = Batcher(chat, batchesInFlight: 1);
        using var gone = new CancellationTokenSource();
        var a = batcher.StoreAsync(Message("a"), gone.Token);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        var b = batcher.StoreAsync(Message("b"), CancellationToken.None);
        chat.Answer(0);
        await chat.BatchArrived(1);
        chat.Answer(1);

        Assert.Equal("id-b", (await b).Id);
        Assert.Equal(["a"], chat.Batches[0].Texts);
    }

    private static StoreBatcher Batcher(HeldStoreService chat, int batchesInFlight, int perBatch = 500) =>
        new(new StoreStream(chat, Options.Create(new ServiceCallOptions()), TimeProvider.System, NullLogger<StoreStream>.Instance),
            Options.Create(new StoreBatchOptions { MaxBatchesInFlight = batchesInFlight, MaxMessagesPerBatch = perBatch }));

    private static StoreMessageRequest Message(string text) =>
        new() { Sender = "alice", Recipient = "bob", Text = text, ClientId = text };
}
