using Chat.Contracts.Chat.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Messaging;

/// <summary>
/// Stores messages in batches on ChatService's store stream (<see cref="StoreStream"/>), many
/// sends of this Edge's connections in each batch instead of one unary call each: a send that
/// finds <see cref="StoreBatchOptions.MaxBatchesInFlight"/> batches unanswered queues, and the next
/// batch takes everything queued. Each send gets its own answer: its stored message, or its
/// refusal as the RpcException StoreMessage would have thrown, so callers map errors as before. A
/// failure of the batch (ChatService away, out of time) fails every send in it; the stream has
/// already tried again, with the same idempotency keys.
/// </summary>
/// <remarks>
/// A connection awaits each send before it reads the next, so its messages are never in one batch
/// together and its order is kept. A caller that stops waiting (its connection closed) does not
/// take its message out of a batch: it may still be stored, as with a unary call cancelled late,
/// and is never acknowledged.
/// </remarks>
public sealed class StoreBatcher(StoreStream stream, IOptions<StoreBatchOptions> options)
{
    private readonly StoreBatchOptions _options = options.Value;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queued = new();
    private int _batchesInFlight;

    public Task<StoreMessageResponse> StoreAsync(StoreMessageRequest request, CancellationToken aborted)
    {
        // Gone before it was queued: never sent, as a unary call would not have been.
        aborted.ThrowIfCancellationRequested();
        var pending = new Pending(request);
        List<Pending>? batch = null;
        lock (_gate)
        {
            _queued.Enqueue(pending);
            if (_batchesInFlight < _options.MaxBatchesInFlight)
            {
                _batchesInFlight++;
                batch = TakeBatch();
            }
        }
        if (batch is not null)
        {
            _ = StoreUntilDrainedAsync(batch);
        }
        return pending.Answer.Task.WaitAsync(aborted);
    }

    /// <summary>One batch, then the next with whatever queued meanwhile, until nothing is queued.</summary>
    private async Task StoreUntilDrainedAsync(List<Pending> batch)
    {
        while (true)
        {
            await StoreBatchAsync(batch);
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _batchesInFlight--;
                    return;
                }
                batch = TakeBatch();
            }
        }
    }

    private List<Pending> TakeBatch()
    {
        var batch = new List<Pending>(Math.Min(_queued.Count, _options.MaxMessagesPerBatch));
        while (batch.Count < _options.MaxMessagesPerBatch && _queued.TryDequeue(out var next))
        {
            batch.Add(next);
        }
        return batch;
    }

    private async Task StoreBatchAsync(List<Pending> batch)
    {
        IReadOnlyList<StoreOutcome> outcomes;
        try
        {
            outcomes = await stream.StoreAsync(batch.Select(p => p.Request));
        }
        catch (Exception e)
        {
            batch.ForEach(p => p.Answer.TrySetException(e));
            return;
        }
        if (outcomes.Count != batch.Count)
        {
            var mismatch = new RpcException(new Status(StatusCode.Internal,
                $"ChatService answered {outcomes.Count} outcomes for {batch.Count} messages"));
            batch.ForEach(p => p.Answer.TrySetException(mismatch));
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.ResultCase == StoreOutcome.ResultOneofCase.Stored)
            {
                batch[i].Answer.TrySetResult(outcome.Stored);
            }
            else
            {
                var refusal = outcome.Refused ?? new StoreRefusal { Code = (int)StatusCode.Internal, Detail = "ChatService answered no outcome" };
                batch[i].Answer.TrySetException(new RpcException(new Status((StatusCode)refusal.Code, refusal.Detail)));
            }
        }
    }

    private sealed class Pending(StoreMessageRequest request)
    {
        public StoreMessageRequest Request { get; } = request;

        // Continuations off this batch's completion: the senders' replies and publishes run on
        // their own, not one after another on the loop that takes the next batch.
        public TaskCompletionSource<StoreMessageResponse> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
