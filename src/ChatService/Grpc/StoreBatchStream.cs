using Chat.ChatService.Observability;
using Chat.Contracts;
using Chat.Contracts.Chat.V1;
using Chat.ServiceDefaults.Grpc;
using Grpc.Core;

namespace Chat.ChatService.Grpc;

/// <summary>
/// One StoreMessageStream: every batch read is stored as a StoreMessages call would store it, at
/// once and beside the batches before it (the group commit writes those that meet in one
/// transaction), and answered as soon as it is done. A batch's failure is its answer, mapped as
/// the interceptors map a failed call, so one outage does not end the stream; the interceptors
/// themselves see only the stream as a whole.
/// </summary>
/// <remarks>
/// The stream would outlast a graceful stop (Kestrel waits for open requests until its shutdown
/// timeout): when the service begins to stop it reads no further batch, answers those it took and
/// ends the stream, and the sender sends the rest on a new one, to another instance or to this
/// one restarted.
/// </remarks>
internal sealed partial class StoreBatchStream(
    Func<StoreMessagesRequest, ServerCallContext, Task<StoreMessagesResponse>> storeMessages,
    DependencyOutageOptions outages,
    IServerStreamWriter<StoredBatch> answers,
    ServerCallContext context,
    CancellationToken stopping,
    ILogger logger)
{
    private readonly SemaphoreSlim _unanswered = new(MessageLimits.MaxUnansweredStoreBatches);
    private readonly SemaphoreSlim _writing = new(1);

    public async Task RunAsync(IAsyncStreamReader<StoreBatch> batches)
    {
        var ended = context.CancellationToken;
        using var readable = CancellationTokenSource.CreateLinkedTokenSource(ended, stopping);
        try
        {
            while (await NextAsync(batches, readable.Token))
            {
                // A full stream is read again only when an answer has been written: the sender's
                // batches wait in HTTP/2's flow control, not in this process.
                await _unanswered.WaitAsync(ended);
                _ = AnswerAsync(batches.Current);
            }
            // The sender has sent its last batch, or the service is stopping: every batch taken is
            // answered before the stream ends.
            for (var i = 0; i < MessageLimits.MaxUnansweredStoreBatches; i++)
            {
                await _unanswered.WaitAsync(ended);
            }
            if (stopping.IsCancellationRequested)
            {
                LogEndedForStop(logger);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The sender went away, or the stop outlasted Kestrel's wait: what it has not been
            // answered, it sends again on its next stream.
        }
    }

    /// <summary>The next batch; none once the service is stopping.</summary>
    private static async Task<bool> NextAsync(IAsyncStreamReader<StoreBatch> batches, CancellationToken readable)
    {
        try
        {
            return await batches.MoveNext(readable);
        }
        catch (OperationCanceledException) when (readable.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task AnswerAsync(StoreBatch batch)
    {
        using var activity = ChatServiceMetrics.StartStoreBatch(batch.TraceParent, batch.Messages.Count);
        var answer = new StoredBatch { Id = batch.Id };
        try
        {
            if (StorableTextInterceptor.RefusalOf(batch) is { } refusal)
            {
                throw new RpcException(refusal);
            }
            var request = new StoreMessagesRequest();
            request.Messages.AddRange(batch.Messages);
            answer.Outcomes.AddRange((await storeMessages(request, context)).Outcomes);
        }
        catch (Exception e)
        {
            var status = Failure(e, batch.Messages.Count);
            answer.Failed = new StoreRefusal { Code = (int)status.StatusCode, Detail = status.Detail };
        }
        try
        {
            await _writing.WaitAsync(context.CancellationToken);
            try
            {
                await answers.WriteAsync(answer, context.CancellationToken);
            }
            finally
            {
                _writing.Release();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The stream ended under the answer: its sender sends the batch again on a new one.
        }
        finally
        {
            _unanswered.Release();
        }
    }

    /// <summary>The status a StoreMessages call failing this way would have ended with.</summary>
    private Status Failure(Exception e, int messages)
    {
        if (e is RpcException rpc)
        {
            return rpc.Status;
        }
        if (StoreFailureInterceptor.StatusOf(e, context) is { } status)
        {
            if (status.StatusCode == StatusCode.Unavailable)
            {
                LogBatchUnavailable(logger, messages, e.Message);
            }
            return status;
        }
        if (outages.IsOutage(e))
        {
            LogBatchUnavailable(logger, messages, e.GetBaseException().Message);
            return outages.Unavailable();
        }
        LogBatchFailed(logger, messages, e);
        return new Status(StatusCode.Internal, "storing the batch failed");
    }

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "StoreMessageStream ended as the service stops; its sender sends what is left on a new stream")]
    private static partial void LogEndedForStop(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "StoreMessageStream: a batch of {Count} messages found the store unavailable ({Reason})")]
    private static partial void LogBatchUnavailable(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "StoreMessageStream: a batch of {Count} messages failed")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);
}
