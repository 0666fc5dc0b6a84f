using System.Text.Json.Serialization;
using Chat.Contracts.Chat.V1;
using Chat.Edge.Protocol;

namespace Chat.Edge.Http;

/// <summary>A stored message as the HTTP API shows it: <c>to</c> for 1:1, <c>group</c> for a group.</summary>
public sealed record MessageJson(
    string Id,
    string From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? To,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Group,
    string Text,
    string SentAt)
{
    public static MessageJson Of(Message m) => new(
        m.Id,
        m.Sender,
        m.Recipient.Length > 0 ? m.Recipient : null,
        m.GroupId.Length > 0 ? m.GroupId : null,
        m.Text,
        ServerFrames.FormatTime(m.SentAt.ToDateTime()));
}
