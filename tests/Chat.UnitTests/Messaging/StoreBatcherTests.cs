using Chat.Contracts.Chat.V1;
using Chat.Edge.Messaging;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chat.UnitTests.Messaging;

/// <summary>
/// How the Edge carries sends to ChatService: many in one StoreMessages call while calls are busy,
/// each send with its own answer. ChatService here is a client whose calls the test answers.
/// </summary>
public sealed class StoreBatcherTests
{
    [Fact]
    public async Task Sends_that_arrive_while_the_call_is_busy_share_the_next_call_in_their_order()
    {
        var chat = new HeldChatService();
        var batcher = Batcher(chat, callsInFlight: 1);

        var a = batcher.StoreAsync(Message("a"), CancellationToken.None);
        var b = batcher.StoreAsync(Message("b"), CancellationToken.None);
        var c = batcher.StoreAsync(Message("c"), CancellationToken.None);
        Assert.Equal(["a"], chat.Calls.Single().Texts);

        chat.Answer(0);
        Assert.Equal("id-a", (await a).Id);
        await chat.CallStarted(1);
        Assert.Equal(["b", "c"], chat.Calls[1].Texts);
        chat.Answer(1);
        Assert.Equal("id-b", (await b).Id);
        Assert.Equal("id-c", (await c).Id);
        Assert.Equal(2, chat.Calls.Count);
    }

    [Fact]
    public void With_calls_to_spare_a_send_goes_at_once()
    {
        var chat = new HeldChatService();
        var batcher = Batcher(chat, callsInFlight: 2);

        _ = batcher.StoreAsync(Message("a"), CancellationToken.None);
        _ = batcher.StoreAsync(Message("b"), CancellationToken.None);
        _ = batcher.StoreAsync(Message("c"), CancellationToken.None);

        Assert.Equal([["a"], ["b"]], chat.Calls.Select(c => c.Texts));
    }

    [Fact]
    public async Task A_refused_message_fails_alone_with_the_status_StoreMessage_would_have_answered()
    {
        var chat = new HeldChatService { Refuse = "b" };
        var batcher = Batcher(chat, callsInFlight: 1);
        var first = batcher.StoreAsync(Message("first"), CancellationToken.None);
        var a = batcher.StoreAsync(Message("a"), CancellationToken.None);
        var b = batcher.StoreAsync(Message("b"), CancellationToken.None);
        chat.Answer(0);
        await first;
        await chat.CallStarted(1);
        chat.Answer(1);

        Assert.Equal("id-a", (await a).Id);
        var refused = await Assert.ThrowsAsync<RpcException>(() => b);
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Equal("no user b", refused.Status.Detail);
    }

    [Fact]
    public async Task A_failed_call_fails_every_send_in_it_and_the_next_sends_get_a_new_call()
    {
        var chat = new HeldChatService();
        var batcher = Batcher(chat, callsInFlight: 1);
        var a = batcher.StoreAsync(Message("a"), CancellationToken.None);
        var b = batcher.StoreAsync(Message("b"), CancellationToken.None);

        chat.Fail(0, new RpcException(new Status(StatusCode.Unavailable, "away")));
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => a)).StatusCode);
        await chat.CallStarted(1);
        chat.Fail(1, new RpcException(new Status(StatusCode.DeadlineExceeded, "late")));
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => b)).StatusCode);

        var c = batcher.StoreAsync(Message("c"), CancellationToken.None);
        await chat.CallStarted(2);
        chat.Answer(2);
        Assert.Equal("id-c", (await c).Id);
    }

    [Fact]
    public async Task A_call_carries_at_most_the_configured_number_of_messages()
    {
        var chat = new HeldChatService();
        var batcher = Batcher(chat, callsInFlight: 1, perCall: 2);
        var sends = new[] { "first", "a", "b", "c" }.Select(t => batcher.StoreAsync(Message(t), CancellationToken.None)).ToList();

        chat.Answer(0);
        await chat.CallStarted(1);
        chat.Answer(1);
        await chat.CallStarted(2);
        chat.Answer(2);
        await Task.WhenAll(sends);

        Assert.Equal([["first"], ["a", "b"], ["c"]], chat.Calls.Select(c => c.Texts));
    }

    [Fact]
    public async Task A_sender_that_stops_waiting_leaves_its_message_in_the_call()
    {
        var chat = new HeldChatService();
        var batcher = Batcher(chat, callsInFlight: 1);
        using var gone = new CancellationTokenSource();
        var a = batcher.StoreAsync(Message("a"), gone.Token);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        var b = batcher.StoreAsync(Message("b"), CancellationToken.None);
        chat.Answer(0);
        await chat.CallStarted(1);
        chat.Answer(1);

        Assert.Equal("id-b", (await b).Id);
        Assert.Equal(["a"], chat.Calls[0].Texts);
    }

    private static StoreBatcher Batcher(HeldChatService chat, int callsInFlight, int perCall = 500) =>
        new(chat, Options.Create(new StoreBatchOptions { MaxCallsInFlight = callsInFlight, MaxMessagesPerCall = perCall }));

    private static StoreMessageRequest Message(string text) =>
        new() { Sender = "alice", Recipient = "bob", Text = text, ClientId = text };

    /// <summary>A ChatService whose StoreMessages calls stay open until the test answers them.</summary>
    private sealed class HeldChatService : Contracts.Chat.V1.ChatService.ChatServiceClient
    {
        private readonly Lock _gate = new();
        private readonly List<Call> _calls = [];
        private readonly List<TaskCompletionSource> _started = [.. Enumerable.Range(0, 16).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

        /// <summary>The text of the message this service refuses as an unknown recipient.</summary>
        public string? Refuse { get; init; }

        public IReadOnlyList<Call> Calls
        {
            get
            {
                lock (_gate)
                {
                    return [.. _calls];
                }
            }
        }

        public Task CallStarted(int index) => _started[index].Task.WaitAsync(TimeSpan.FromSeconds(10));

        public void Answer(int index)
        {
            var call = Calls[index];
            var response = new StoreMessagesResponse();
            response.Outcomes.AddRange(call.Texts.Select(t => t == Refuse
                ? new StoreOutcome { Refused = new StoreRefusal { Code = (int)StatusCode.NotFound, Detail = "no user " + t } }
                : new StoreOutcome { Stored = new StoreMessageResponse { Id = "id-" + t } }));
            call.Response.SetResult(response);
        }

        public void Fail(int index, Exception e) => Calls[index].Response.SetException(e);

        public override AsyncUnaryCall<StoreMessagesResponse> StoreMessagesAsync(
            StoreMessagesRequest request, Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default)
        {
            var call = new Call([.. request.Messages.Select(m => m.Text)], new TaskCompletionSource<StoreMessagesResponse>());
            int index;
            lock (_gate)
            {
                _calls.Add(call);
                index = _calls.Count - 1;
            }
            _started[index].SetResult();
            return new AsyncUnaryCall<StoreMessagesResponse>(
                call.Response.Task, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }
    }

    private sealed record Call(string[] Texts, TaskCompletionSource<StoreMessagesResponse> Response);
}
