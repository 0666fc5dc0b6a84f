using Chat.ChatService.Messages;

namespace Chat.ChatService.Storage;

/// <summary>A message on its way in: to one user (<see cref="Recipient"/>) or to a group's members.</summary>
internal sealed record Outgoing(string Sender, string? Recipient, string? GroupId, string[] Receivers, string Text, string? ClientId)
{
    public string Conversation => GroupId is null ? ConversationKey.Direct(Sender, Recipient!) : ConversationKey.Group(GroupId);
}
