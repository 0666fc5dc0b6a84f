namespace Chat.Contracts;

/// <summary>
/// The limits of the contract (PROTOCOL.md), in one place: ChatService enforces them and the Edge
/// checks the same numbers before it calls, so a client never gets past one and refused by the other.
/// </summary>
public static class MessageLimits
{
    /// <summary>Longest text, in bytes of UTF-8 (4 KiB).</summary>
    public const int MaxTextBytes = 4096;

    /// <summary>Longest idempotency key, in characters.</summary>
    public const int MaxClientIdLength = 64;

    /// <summary>Longest username or group id accepted; the Edge validates usernames more strictly.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Longest group name, in characters (at least 1).</summary>
    public const int MaxGroupNameLength = 64;

    public const int DefaultHistoryPage = 50;
    public const int MaxHistoryPage = 200;

    public const int DefaultSyncPage = 100;
    public const int MaxSyncPage = 500;

    public const int DefaultConversationPage = 50;
    public const int MaxConversationPage = 200;

    /// <summary>Most messages in one StoreMessages call.</summary>
    public const int MaxMessagesPerStoreCall = 500;

    /// <summary>Most batches a StoreMessageStream holds unanswered; past it, ChatService reads no more until one is answered.</summary>
    public const int MaxUnansweredStoreBatches = 64;

    /// <summary>Most delivery marks in one AckDeliveredMany.</summary>
    public const int MaxMarksPerCall = 1000;

    /// <summary>0 (or less) means the default; anything above the cap is the cap.</summary>
    public static int PageSize(int requested, int defaultSize, int max) =>
        requested <= 0 ? defaultSize : Math.Min(requested, max);
}
