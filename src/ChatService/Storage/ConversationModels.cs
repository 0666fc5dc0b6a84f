namespace Chat.ChatService.Storage;

/// <summary>A group and its members (the owner among them).</summary>
public sealed record GroupRecord(string Id, string Name, string Owner, IReadOnlyList<string> Members, DateTimeOffset CreatedAt);

/// <summary>A group message to store.</summary>
public sealed record NewGroupMessage(string Sender, string GroupId, string Text, string? ClientId);

/// <summary>Exactly one of <see cref="Peer"/> and <see cref="GroupId"/> is set.</summary>
public sealed record ConversationRef(string? Peer, string? GroupId);

/// <summary>A read mark after a call, and whether the call moved it.</summary>
public sealed record ReadMark(long UpTo, bool Advanced);

/// <summary>One entry of a user's conversation list.</summary>
public sealed record ConversationEntry(string? Peer, string? GroupId, string? Name, StoredMessage? LastMessage, long Unread, long ReadUpTo);

/// <summary>A page of the conversation list; <see cref="NextPage"/> is null on the last one.</summary>
public sealed record ConversationPage(IReadOnlyList<ConversationEntry> Conversations, string? NextPage);

public enum ConversationAccessError
{
    /// <summary>No such group.</summary>
    GroupNotFound,

    /// <summary>The user is not a member (of the group, or of the member being removed's group).</summary>
    NotAMember,

    /// <summary>A member who is not the owner tried to remove another member.</summary>
    NotAllowed,

    /// <summary>The group has as many members as allowed.</summary>
    GroupFull,
}

/// <summary>A group call refused: the kind says which gRPC status answers it.</summary>
public sealed class ConversationAccessException(ConversationAccessError error, string message) : Exception(message)
{
    public ConversationAccessError Error { get; } = error;
}
