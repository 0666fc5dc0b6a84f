namespace Chat.ChatService.Storage;

/// <summary>
/// Durable message storage. Ids are positive and ordered per recipient: every message to a user
/// has a greater id than the ones before it, and becomes visible after them (see
/// docs/chat-service.md). Failures to reach the database surface as
/// <see cref="StoreUnavailableException"/>.
/// </summary>
public interface IMessageStore
{
    /// <summary>Creates or upgrades the schema (collections, indexes); safe to call again and from several replicas.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Answers when the database is reachable and the schema is in place.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores a 1:1 message, or returns the one already stored under the same sender and client id
    /// (then <see cref="StoreResult.Duplicate"/>), concurrent retries included.
    /// </summary>
    Task<StoreResult> StoreAsync(NewMessage message, CancellationToken cancellationToken);

    /// <summary>The conversation of two users, newest first, ids below <paramref name="before"/> (0: from the newest).</summary>
    Task<MessagePage> GetConversationAsync(string user, string peer, long before, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Messages to <paramref name="user"/> with ids above <paramref name="after"/>, oldest first;
    /// null means after the user's delivery mark.
    /// </summary>
    Task<InboxPage> GetInboxAsync(string user, long? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Moves each user's delivery mark forward (never back, never past the last message they
    /// received) and returns the marks in the same order (0: none). A mark only says where a new
    /// connection starts, so a store may write marks without waiting for them to be durable: one
    /// lost in a crash means messages delivered again, never messages lost.
    /// </summary>
    Task<IReadOnlyList<long>> AdvanceDeliveryMarksAsync(IReadOnlyList<DeliveryMark> marks, CancellationToken cancellationToken);
}

