using Chat.Contracts.Chat.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Messaging;

/// <summary>
/// Stores messages through ChatService's StoreMessages, many sends of this Edge's connections in
/// each call instead of one unary call each: a send that finds
/// <see cref="StoreBatchOptions.MaxCallsInFlight"/> calls open queues, and the next call takes
/// everything queued. Each send gets its own answer: its stored message, or its refusal as the
/// RpcException StoreMessage would have thrown, so callers map errors as before. A failure of the
/// call (ChatService away, out of time) fails every send in it; the channel's retry policy has
/// already tried again, with the same idempotency keys.
/// </summary>
/// <remarks>
/// A connection awaits each send before it reads the next, so its messages are never in one call
/// together and its order is kept. A caller that stops waiting (its connection closed) does not
/// take its message out of a call: it may still be stored, as with a unary call cancelled late,
/// and is never acknowledged. A call larger than the channel's retry buffer (1 MiB by default:
/// a few hundred long texts) is not retried; its sends answer unavailable and their clients retry
/// with the same clientId, as the contract says.
/// </remarks>
public sealed class StoreBatcher(ChatService.ChatServiceClient chat, IOptions<StoreBatchOptions> options)
{
    private readonly StoreBatchOptions _options = options.Value;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queued = new();
    private int _callsInFlight;

    public Task<StoreMessageResponse> StoreAsync(StoreMessageRequest request, CancellationToken aborted)
    {
        // Gone before it was queued: never sent, as a unary call would not have been.
        aborted.ThrowIfCancellationRequested();
        var pending = new Pending(request);
        List<Pending>? batch = null;
        lock (_gate)
        {
            _queued.Enqueue(pending);
            if (_callsInFlight < _options.MaxCallsInFlight)
            {
                _callsInFlight++;
                batch = TakeBatch();
            }
        }
        if (batch is not null)
        {
            _ = CallUntilDrainedAsync(batch);
        }
        return pending.Answer.Task.WaitAsync(aborted);
    }

    /// <summary>One call, then the next with whatever queued meanwhile, until nothing is queued.</summary>
    private async Task CallUntilDrainedAsync(List<Pending> batch)
    {
        while (true)
        {
            await CallAsync(batch);
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _callsInFlight--;
                    return;
                }
                batch = TakeBatch();
            }
        }
    }

    private List<Pending> TakeBatch()
    {
        var batch = new List<Pending>(Math.Min(_queued.Count, _options.MaxMessagesPerCall));
        while (batch.Count < _options.MaxMessagesPerCall && _queued.TryDequeue(out var next))
        {
            batch.Add(next);
        }
        return batch;
    }

    private async Task CallAsync(List<Pending> batch)
    {
        var request = new StoreMessagesRequest();
        request.Messages.AddRange(batch.Select(p => p.Request));
        StoreMessagesResponse response;
        try
        {
            response = await chat.StoreMessagesAsync(request);
        }
        catch (Exception e)
        {
            batch.ForEach(p => p.Answer.TrySetException(e));
            return;
        }
        if (response.Outcomes.Count != batch.Count)
        {
            var mismatch = new RpcException(new Status(StatusCode.Internal,
                $"ChatService answered {response.Outcomes.Count} outcomes for {batch.Count} messages"));
            batch.ForEach(p => p.Answer.TrySetException(mismatch));
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            var outcome = response.Outcomes[i];
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

        // Continuations off this call's completion: the senders' replies and publishes run on
        // their own, not one after another on the loop that takes the next batch.
        public TaskCompletionSource<StoreMessageResponse> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
