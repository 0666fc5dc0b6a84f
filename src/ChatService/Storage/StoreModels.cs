using System.Collections.ObjectModel;

namespace Chat.ChatService.Storage;

/// <summary>A message to store; <see cref="ClientId"/> is null when the sender gave none.</summary>
public sealed record NewMessage(string Sender, string Recipient, string Text, string? ClientId);

/// <summary>A message as stored. Exactly one of <see cref="Recipient"/> and <see cref="GroupId"/> is set.</summary>
public sealed record StoredMessage(
    long Id,
    string Sender,
    string? Recipient,
    string? GroupId,
    string Text,
    DateTimeOffset SentAt,
    string? ClientId);

/// <summary>
/// The outcome of a store: the message, the id of the recipient's previous message (0 for their
/// first), and whether it was already stored under the same sender and client id.
/// </summary>
public sealed record StoreResult(StoredMessage Message, long PreviousId, bool Duplicate)
{
    /// <summary>
    /// For a group message just stored: every member's (the sender's too) previous id, so each
    /// member's connections can check their stream for gaps. Empty for 1:1 messages and duplicates.
    /// </summary>
    public IReadOnlyDictionary<string, long> MemberPreviousIds { get; init; } = ReadOnlyDictionary<string, long>.Empty;
}

/// <summary>One page of messages; <see cref="HasMore"/> when the next page is not empty.</summary>
/// <summary>"<paramref name="User"/>'s connections have received everything up to <paramref name="UpTo"/>."</summary>
public sealed record DeliveryMark(string User, long UpTo);

public sealed record MessagePage(IReadOnlyList<StoredMessage> Messages, bool HasMore);

/// <summary>One page of a user's incoming messages, and the id it starts after (0: the beginning).</summary>
public sealed record InboxPage(long After, IReadOnlyList<StoredMessage> Messages, bool HasMore);
