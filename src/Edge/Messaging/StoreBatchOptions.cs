using System.ComponentModel.DataAnnotations;
using Chat.Contracts;

namespace Chat.Edge.Messaging;

/// <summary>How <see cref="StoreBatcher"/> carries sends to ChatService (section <c>StoreBatching</c>).</summary>
public sealed class StoreBatchOptions
{
    public const string Section = "StoreBatching";

    /// <summary>
    /// StoreMessages calls one Edge keeps open at once. A send that finds them all busy waits for
    /// the next call, with every other send that arrived meanwhile: at a low rate each message
    /// goes alone and at once, under load many share a call.
    /// </summary>
    [Range(1, 64)]
    public int MaxCallsInFlight { get; set; } = 2;

    /// <summary>Most messages in one call; at most the contract's limit.</summary>
    [Range(1, MessageLimits.MaxMessagesPerStoreCall)]
    public int MaxMessagesPerCall { get; set; } = MessageLimits.MaxMessagesPerStoreCall;
}
