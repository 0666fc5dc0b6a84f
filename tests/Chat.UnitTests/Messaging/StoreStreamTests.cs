using Chat.Contracts.Chat.V1;
using Chat.Edge.Messaging;
using Chat.ServiceDefaults.Grpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Chat.UnitTests.Messaging;

/// <summary>
/// The Edge's store stream keeps the promises of the StoreMessages call it replaced: each batch
/// its own answer, one deadline per batch, Unavailable tried again within it (on a new stream when
/// the old one ended), other failures passed on as they are.
/// </summary>
public sealed class StoreStreamTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly HeldStoreService _chat = new();
    private readonly WatchedClock _clock = new();
    private readonly StoreStream _stream;

    public StoreStreamTests() =>
        _stream = new StoreStream(_chat, Options.Create(new ServiceCallOptions { CallTimeout = CallTimeout }), _clock, NullLogger<StoreStream>.Instance);

    [Fact]
    public async Task Answers_that_come_in_another_order_reach_their_own_batches()
    {
        var a = _stream.StoreAsync([Message("a")]);
        var b = _stream.StoreAsync([Message("b")]);
        await _chat.BatchArrived(1);

        _chat.Answer(1);
        Assert.Equal("id-b", (await b).Single().Stored.Id);
        Assert.False(a.IsCompleted);
        _chat.Answer(0);
        Assert.Equal("id-a", (await a).Single().Stored.Id);
        Assert.Equal(1, _chat.StreamsOpened);
    }

    [Fact]
    public async Task Batches_unanswered_when_the_stream_ends_are_sent_again_on_a_new_stream()
    {
        var a = _stream.StoreAsync([Message("a")]);
        var b = _stream.StoreAsync([Message("b")]);
        await _chat.BatchArrived(1);

        _chat.EndStreamOf(0, new Status(StatusCode.Internal, "the connection was reset"));
        await _clock.PausesScheduled(2);
        _clock.Advance(IdempotentRetries.MaxBackoff);
        await _chat.BatchArrived(3);

        var again = _chat.Batches.Skip(2).ToList();
        Assert.Equal(2, _chat.StreamsOpened);
        Assert.All(again, batch => Assert.NotSame(_chat.Batches[0].Stream, batch.Stream));
        Assert.Equal(["a", "b"], again.SelectMany(batch => batch.ClientIds).Order());
        _chat.Answer(2);
        _chat.Answer(3);
        Assert.Equal("id-a", (await a).Single().Stored.Id);
        Assert.Equal("id-b", (await b).Single().Stored.Id);
    }

    [Fact]
    public async Task A_batch_that_finds_the_store_unavailable_is_tried_three_times_in_all_on_the_same_stream()
    {
        var a = _stream.StoreAsync([Message("a")]);
        for (var attempt = 0; attempt < IdempotentRetries.MaxAttempts; attempt++)
        {
            await _chat.BatchArrived(attempt);
            _chat.Fail(attempt, StatusCode.Unavailable, "the message store is unavailable");
            if (attempt < IdempotentRetries.MaxAttempts - 1)
            {
                await _clock.PausesScheduled(attempt + 1);
                _clock.Advance(IdempotentRetries.MaxBackoff);
            }
        }

        var failed = await Assert.ThrowsAsync<RpcException>(() => a);
        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
        Assert.Equal("the message store is unavailable", failed.Status.Detail);
        Assert.Equal(IdempotentRetries.MaxAttempts, _chat.Batches.Count);
        Assert.Equal(1, _chat.StreamsOpened);
    }

    [Fact]
    public async Task A_batch_not_answered_within_the_call_timeout_fails_deadline_exceeded_and_is_not_sent_again()
    {
        var a = _stream.StoreAsync([Message("a")]);
        await _chat.BatchArrived(0);
        await _clock.DeadlineWatched();

        _clock.Advance(CallTimeout);

        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => a)).StatusCode);
        Assert.Single(_chat.Batches);
    }

    [Fact]
    public async Task A_failure_that_calling_again_cannot_change_is_passed_on_at_once()
    {
        var a = _stream.StoreAsync([Message("a")]);
        await _chat.BatchArrived(0);
        _chat.Fail(0, StatusCode.InvalidArgument, "messages.text must be storable");

        var failed = await Assert.ThrowsAsync<RpcException>(() => a);
        Assert.Equal(StatusCode.InvalidArgument, failed.StatusCode);
        Assert.Single(_chat.Batches);
    }

    [Fact]
    public async Task After_the_stream_ended_the_next_batch_opens_a_new_one()
    {
        var a = _stream.StoreAsync([Message("a")]);
        await _chat.BatchArrived(0);
        _chat.Answer(0);
        await a;
        _chat.EndStreamOf(0, new Status(StatusCode.Unavailable, "ChatService stopped"));
        await _chat.Batches[0].Stream.Ended;

        var b = _stream.StoreAsync([Message("b")]);
        await _chat.BatchArrived(1);
        _chat.Answer(1);

        Assert.Equal("id-b", (await b).Single().Stored.Id);
        Assert.Equal(2, _chat.StreamsOpened);
    }

    [Fact]
    public async Task A_stream_that_fails_as_it_opens_is_not_kept_for_the_next_attempt()
    {
        _chat.RefuseStreams = 1;
        var a = _stream.StoreAsync([Message("a")]);
        await _clock.PausesScheduled(1);
        _clock.Advance(IdempotentRetries.MaxBackoff);
        await _chat.BatchArrived(0);
        _chat.Answer(0);

        Assert.Equal("id-a", (await a).Single().Stored.Id);
        Assert.Equal(2, _chat.StreamsOpened);
    }

    [Fact]
    public async Task A_write_held_past_the_deadline_gives_up_the_stream_so_the_next_batch_is_not_stuck_behind_it()
    {
        _chat.HoldWrites = true;
        var a = _stream.StoreAsync([Message("a")]);
        await _chat.BatchArrived(0);
        await _clock.DeadlineWatched();
        _clock.Advance(CallTimeout);
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => a)).StatusCode);

        _chat.HoldWrites = false;
        var b = _stream.StoreAsync([Message("b")]);
        await _chat.BatchArrived(1);
        _chat.Answer(1);

        Assert.Equal("id-b", (await b).Single().Stored.Id);
        Assert.Equal(2, _chat.StreamsOpened);
    }

    private static StoreMessageRequest Message(string text) =>
        new() { Sender = "alice", Recipient = "bob", Text = text, ClientId = text };

    /// <summary>A fake clock that tells when the stream has set a timer: a retry's pause, or a batch's deadline.</summary>
    private sealed class WatchedClock : FakeTimeProvider
    {
        private readonly Lock _gate = new();
        private readonly List<TimeSpan> _timers = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                _timers.Add(dueTime);
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            var timer = base.CreateTimer(callback, state, dueTime, period);
            changed.SetResult();
            return timer;
        }

        /// <summary>Completes once <paramref name="count"/> retry pauses (timers of at most the longest backoff) have been set.</summary>
        public Task PausesScheduled(int count) => Until(timers => timers.Count(t => t <= IdempotentRetries.MaxBackoff) >= count);

        /// <summary>Completes once a batch's deadline (a timer longer than any pause) has been set.</summary>
        public Task DeadlineWatched() => Until(timers => timers.Any(t => t > IdempotentRetries.MaxBackoff));

        private async Task Until(Func<List<TimeSpan>, bool> reached)
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (reached(_timers))
                    {
                        return;
                    }
                    changed = _changed.Task;
                }
                await changed.WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
    }
}
