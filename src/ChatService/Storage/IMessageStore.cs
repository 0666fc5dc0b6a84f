namespace Chat.ChatService.Storage;

/// <summary>
/// Where messages live. Two backends behind it (PostgreSQL, MongoDB), chosen by configuration;
/// both keep the same promises, checked by one test suite run against each:
/// <list type="bullet">
/// <item>ids are fixed-width strings; a later message to a user has a greater id, and becomes
/// visible only after every message to that user with a smaller id;</item>
/// <item>(sender, clientId) stores one message, however many times and concurrently it is sent;</item>
/// <item>the delivery mark only moves forward.</item>
/// </list>
/// </summary>
public interface IMessageStore
{
    /// <summary>Creates what the store needs (tables, indexes), waiting for the server to be up.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task<StoreResult> StoreAsync(NewMessage message, CancellationToken cancellationToken);

    /// <summary>The conversation of <paramref name="user"/> with <paramref name="peer"/>, newest first, ids below <paramref name="before"/>.</summary>
    Task<IReadOnlyList<StoredMessage>> HistoryAsync(string user, string peer, string? before, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Messages to <paramref name="user"/> after <paramref name="after"/> (null: after the user's
    /// delivery mark), oldest first, at most <paramref name="limit"/>; with the id it started after.
    /// </summary>
    Task<SyncPage> SyncAsync(string user, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>Moves the user's delivery mark up to <paramref name="upTo"/> (never back); returns the mark.</summary>
    Task<string> AckDeliveredAsync(string user, string upTo, CancellationToken cancellationToken);

    /// <summary>True when the store answers.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}

/// <summary>A message to store. <see cref="ClientId"/> is the sender's idempotency key, if any.</summary>
public sealed record NewMessage(string Sender, string Recipient, string Text, string? ClientId);

public sealed record StoredMessage(string Id, string Sender, string Recipient, string Text, DateTime SentAt, string? ClientId);

/// <param name="Duplicate">True when (sender, clientId) was already stored: <see cref="Message"/> is the first one.</param>
/// <param name="PreviousId">The recipient's message just before this one, "" when none.</param>
public sealed record StoreResult(StoredMessage Message, bool Duplicate, string PreviousId);

/// <param name="After">The id the page starts after (the request's, or the delivery mark).</param>
public sealed record SyncPage(string After, IReadOnlyList<StoredMessage> Messages, bool HasMore);
