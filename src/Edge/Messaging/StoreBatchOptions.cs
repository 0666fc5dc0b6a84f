using System.ComponentModel.DataAnnotations;
using Chat.Contracts;

namespace Chat.Edge.Messaging;

/// <summary>How <see cref="StoreBatcher"/> carries sends to ChatService (section <c>StoreBatching</c>).</summary>
public sealed class StoreBatchOptions
{
    public const string Section = "StoreBatching";

    /// <summary>
    /// Batches one Edge keeps unanswered on its store stream at once. A send that finds them all
    /// busy waits for the next batch, with every other send that arrived meanwhile: at a low rate
    /// each message goes alone and at once, under load many share a batch.
    /// </summary>
    [Range(1, MessageLimits.MaxUnansweredStoreBatches)]
    public int MaxBatchesInFlight { get; set; } = 2;

    /// <summary>Most messages in one batch; at most the contract's limit.</summary>
    [Range(1, MessageLimits.MaxMessagesPerStoreCall)]
    public int MaxMessagesPerBatch { get; set; } = MessageLimits.MaxMessagesPerStoreCall;
}
