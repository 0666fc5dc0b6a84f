using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Chat.Contracts.Chat.V1;
using Chat.Edge.Observability;
using Chat.ServiceDefaults.Grpc;
using Google.Protobuf.Collections;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Messaging;

/// <summary>
/// ChatService's StoreMessageStream as the Edge uses it: one stream for the whole process, opened
/// when first needed and again after it ends, each batch one message on it, answered by its id. A
/// StoreMessages call per batch cost an HTTP/2 stream, headers both ways and the client's call
/// machinery: most of what the Edge allocated per message (docs/benchmarks.md). The stream keeps
/// that call's promises: one deadline per batch (<see cref="ServiceCallOptions.CallTimeout"/>),
/// Unavailable tried again as <see cref="IdempotentRetries"/> says (each message's idempotency
/// key makes a resend safe), and every failure as the RpcException the call would have thrown.
/// </summary>
public sealed partial class StoreStream(
    ChatService.ChatServiceClient chat,
    IOptions<ServiceCallOptions> calls,
    TimeProvider clock,
    ILogger<StoreStream> logger) : IAsyncDisposable
{
    private readonly TimeSpan _callTimeout = calls.Value.CallTimeout;
    private readonly ILogger _logger = logger;
    private readonly Lock _gate = new();
    private OpenStream? _open;
    private bool _stopped;
    private ulong _lastBatchId;

    /// <summary>Stores the messages: their outcomes in their order, or the call's failure as an RpcException.</summary>
    public async Task<RepeatedField<StoreOutcome>> StoreAsync(IEnumerable<StoreMessageRequest> messages)
    {
        var batch = new StoreBatch { Id = Interlocked.Increment(ref _lastBatchId) };
        batch.Messages.AddRange(messages);
        using var activity = EdgeActivities.StartStoreBatch(batch.Messages.Count);
        batch.TraceParent = EdgeActivities.TraceParentOf(activity) ?? "";
        var deadline = clock.GetUtcNow() + _callTimeout;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var answer = await SendOnceAsync(batch, deadline);
                if (answer.Failed is { } failed)
                {
                    throw new RpcException(new Status((StatusCode)failed.Code, failed.Detail));
                }
                return answer.Outcomes;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < IdempotentRetries.MaxAttempts)
            {
                // As the channel's policy for a call: paused, within the one deadline.
                var pause = IdempotentRetries.Backoff(attempt);
                if (clock.GetUtcNow() + pause >= deadline)
                {
                    throw;
                }
                await Task.Delay(pause, clock);
            }
        }
    }

    // Once per batch, awaited once by StoreAsync: its state machine comes from a pool.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoredBatch> SendOnceAsync(StoreBatch batch, DateTimeOffset deadline)
    {
        var stream = Current();
        var answer = stream.Expect(batch.Id);
        var written = stream.WriteAsync(batch);
        try
        {
            // Most writes finish at once (into the connection's buffer): no timer for those.
            await (written.IsCompleted ? written : written.WaitAsync(TimeLeft(deadline), clock));
            return await answer.WaitAsync(TimeLeft(deadline), clock);
        }
        catch (TimeoutException)
        {
            // Not sent again: it may yet be stored, as a call past its deadline may be; the
            // sender's client retries with the same clientId.
            stream.Forget(batch.Id);
            if (!written.IsCompleted)
            {
                // A write held past a batch's whole deadline: the stream is stuck, not just slow.
                stream.Abandon("a write to the store stream outlasted the call timeout");
            }
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "ChatService did not answer the batch in time"));
        }
    }

    private TimeSpan TimeLeft(DateTimeOffset deadline)
    {
        var left = deadline - clock.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private OpenStream Current()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "the Edge is stopping"));
            }
            if (_open is { } open)
            {
                return open;
            }
        }
        // Opened and read outside any send's trace: the stream outlives them all, and each batch
        // carries its own trace context.
        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            return Open();
        }
        finally
        {
            Activity.Current = current;
        }
    }

    private OpenStream Open()
    {
        OpenStream opened;
        lock (_gate)
        {
            if (_open is { } raced)
            {
                return raced;
            }
            // DateTime.MaxValue: no deadline (the channel would give a call without one the
            // deadline of a single call); each batch has its own.
            opened = new OpenStream(chat.StoreMessageStream(deadline: DateTime.MaxValue), this);
            _open = opened;
        }
        // Read only once it is the open stream: a call that fails at once (the service
        // unreachable) ends it before this returns, and its end must find it here to take it out
        // of use, or every later batch would be refused by a stream long dead.
        opened.StartReading();
        return opened;
    }

    /// <summary>The stream has ended: the next batch opens a new one.</summary>
    private void Detach(OpenStream stream)
    {
        lock (_gate)
        {
            if (_open == stream)
            {
                _open = null;
            }
        }
    }

    /// <summary>The batches already sent get their answers (within a call's time); then the stream is closed.</summary>
    public async ValueTask DisposeAsync()
    {
        OpenStream? open;
        lock (_gate)
        {
            _stopped = true;
            open = _open;
        }
        if (open is not null)
        {
            await open.CloseAsync(_callTimeout, clock);
        }
    }

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "The store stream to ChatService ended with {Count} batches unanswered ({Status}: {Detail}); each is sent again while its time lasts")]
    private static partial void LogStreamEnded(ILogger logger, int count, StatusCode status, string detail);

    /// <summary>One stream: batches written one at a time, answers matched to their waiting batch by id.</summary>
    private sealed class OpenStream
    {
        private readonly AsyncDuplexStreamingCall<StoreBatch, StoredBatch> _call;
        private readonly StoreStream _owner;
        private readonly ConcurrentDictionary<ulong, TaskCompletionSource<StoredBatch>> _waiting = new();
        private readonly SemaphoreSlim _writing = new(1);
        private readonly Lock _gate = new();
        private Task _reading = Task.CompletedTask;
        private RpcException? _ended;

        public OpenStream(AsyncDuplexStreamingCall<StoreBatch, StoredBatch> call, StoreStream owner)
        {
            _call = call;
            _owner = owner;
        }

        public void StartReading() => _reading = ReadAsync();

        public Task<StoredBatch> Expect(ulong id)
        {
            // Answers are set off the reading loop, so one sender's continuation does not hold up the next answer.
            var answer = new TaskCompletionSource<StoredBatch>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_ended is { } ended)
                {
                    throw new RpcException(ended.Status);
                }
                _waiting[id] = answer;
            }
            return answer.Task;
        }

        public void Forget(ulong id) => _waiting.TryRemove(id, out _);

        public void Abandon(string why) => End(Unavailable(why));

        /// <summary>A write that fails ends the stream, which fails the batch's answer: the caller learns it there.</summary>
        public async Task WriteAsync(StoreBatch batch)
        {
            await _writing.WaitAsync();
            try
            {
                await _call.RequestStream.WriteAsync(batch);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or IOException or OperationCanceledException)
            {
                End(Unavailable($"writing to the store stream failed: {e.Message}"));
            }
            finally
            {
                _writing.Release();
            }
        }

        public async Task CloseAsync(TimeSpan wait, TimeProvider clock)
        {
            if (await _writing.WaitAsync(wait))
            {
                try
                {
                    await _call.RequestStream.CompleteAsync();
                }
                catch (Exception e) when (e is RpcException or InvalidOperationException or IOException)
                {
                    // Ended already.
                }
                finally
                {
                    _writing.Release();
                }
                await Task.WhenAny(_reading, Task.Delay(wait, clock));
            }
            End(Unavailable("the Edge is stopping"));
        }

        private async Task ReadAsync()
        {
            RpcException reason;
            try
            {
                while (await _call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    var answer = _call.ResponseStream.Current;
                    if (_waiting.TryRemove(answer.Id, out var waiting))
                    {
                        waiting.TrySetResult(answer);
                    }
                }
                reason = Unavailable("ChatService ended the store stream");
            }
            catch (Exception e)
            {
                // Whatever ended it, the unanswered batches may or may not be stored: sending them
                // again is what is safe, so all of them fail as a service that went away.
                reason = e is RpcException { StatusCode: StatusCode.Unavailable } unavailable
                    ? unavailable
                    : Unavailable($"the store stream ended: {(e as RpcException)?.Status.ToString() ?? e.Message}");
            }
            End(reason);
        }

        /// <summary>
        /// Takes the stream out of use and fails every batch still waiting (the first end counts):
        /// from whichever side noticed, since a failed write need not end the read at once.
        /// </summary>
        private void End(RpcException reason)
        {
            List<TaskCompletionSource<StoredBatch>> waiting;
            lock (_gate)
            {
                if (_ended is not null)
                {
                    return;
                }
                _ended = reason;
                waiting = [.. _waiting.Values];
                _waiting.Clear();
            }
            _owner.Detach(this);
            _call.Dispose();
            if (waiting.Count > 0)
            {
                LogStreamEnded(_owner._logger, waiting.Count, reason.StatusCode, reason.Status.Detail);
            }
            waiting.ForEach(w => w.TrySetException(reason));
        }

        private static RpcException Unavailable(string detail) => new(new Status(StatusCode.Unavailable, detail));
    }
}
