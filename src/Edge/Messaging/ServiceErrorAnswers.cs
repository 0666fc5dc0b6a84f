using Chat.Edge.Protocol;
using Grpc.Core;

namespace Chat.Edge.Messaging;

/// <summary>
/// The one map from a failed call to ChatService or UserService, made for a WebSocket frame, to
/// the <c>error</c> frame that answers it (PROTOCOL.md: <c>code</c> one of <see cref="ErrorCodes"/>).
/// A status means the same for every frame, except where the conversation, a named input, decides:
/// about a group, unknown and not-a-member are the same <c>forbidden</c>, so that a non-member
/// learns nothing about a group it is not in.
/// </summary>
public static class ServiceErrorAnswers
{
    public const string NotAMember = "you are not a member of this group";

    public const string TryAgain = "nothing was done; try again shortly (a send retried with the same clientId stores one message)";

    public static Answer For(RpcException e, ConversationKind conversation, string? clientId) => e.StatusCode switch
    {
        // Bad input, as ChatService found it (e.g. text no store can keep): no retry can succeed.
        StatusCode.InvalidArgument => Answer.Error(ErrorCodes.InvalidFrame, e.Status.Detail, clientId),
        StatusCode.NotFound or StatusCode.PermissionDenied when conversation == ConversationKind.Group =>
            Answer.Error(ErrorCodes.Forbidden, NotAMember, clientId),
        StatusCode.NotFound => Answer.Error(ErrorCodes.UnknownRecipient, e.Status.Detail, clientId),
        StatusCode.PermissionDenied => Answer.Error(ErrorCodes.Forbidden, e.Status.Detail, clientId),
        // Everything else is the service's trouble, not the frame's: the contract's "try again".
        _ => Answer.Error(ErrorCodes.Unavailable, TryAgain, clientId),
    };
}

/// <summary>Whom a frame addresses: one user (<c>to</c>, <c>with</c>) or a group (<c>group</c>).</summary>
public enum ConversationKind
{
    Direct,
    Group,
}
