namespace Chat.ChatService.Storage;

/// <summary>
/// Groups, group messages, read marks and the conversation list (issue 12). Membership is checked
/// on every call that reads or writes a group: an unknown group is
/// <see cref="ConversationAccessError.GroupNotFound"/>, a non-member's call
/// <see cref="ConversationAccessError.NotAMember"/>.
/// </summary>
public interface IConversationStore
{
    /// <summary>A new group; the owner is a member whether listed or not.</summary>
    Task<GroupRecord> CreateGroupAsync(string owner, string name, IReadOnlyCollection<string> members, int maxMembers, CancellationToken cancellationToken);

    Task<GroupRecord> GetGroupAsync(string user, string groupId, CancellationToken cancellationToken);

    Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string user, CancellationToken cancellationToken);

    /// <summary>Any member adds; adding a member again changes nothing.</summary>
    Task<GroupRecord> AddMemberAsync(string user, string groupId, string username, int maxMembers, CancellationToken cancellationToken);

    /// <summary>A member leaves, or the owner removes; an owner who leaves hands the group to the longest-standing member.</summary>
    Task<GroupRecord> RemoveMemberAsync(string user, string groupId, string username, CancellationToken cancellationToken);

    /// <summary>Stores a message to every member (the sender included), idempotent on sender and client id.</summary>
    Task<StoreResult> StoreGroupMessageAsync(NewGroupMessage message, CancellationToken cancellationToken);

    Task<MessagePage> GetGroupHistoryAsync(string user, string groupId, long before, int limit, CancellationToken cancellationToken);

    /// <summary>Moves the user's read mark of a conversation forward (never past its last message).</summary>
    Task<ReadMark> MarkReadAsync(string user, ConversationRef conversation, long upTo, CancellationToken cancellationToken);

    /// <summary>Most recent activity first; <paramref name="page"/> from the previous page's <see cref="ConversationPage.NextPage"/>.</summary>
    Task<ConversationPage> ListConversationsAsync(string user, int limit, string? page, CancellationToken cancellationToken);
}
