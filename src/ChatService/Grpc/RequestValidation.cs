using System.Text;
using Chat.ChatService.Messages;
using Grpc.Core;

namespace Chat.ChatService.Grpc;

/// <summary>Checks of incoming fields; each failure is an InvalidArgument that names the field.</summary>
internal static class RequestValidation
{
    public static void RequireName(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"{field} is required");
        }
        if (value.Length > MessageLimits.MaxNameLength)
        {
            throw Invalid($"{field} is longer than {MessageLimits.MaxNameLength} characters");
        }
        RequireStorable(value, field);
    }

    public static void RequireGroupName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw Invalid("name is required");
        }
        if (name.Length > MessageLimits.MaxGroupNameLength)
        {
            throw Invalid($"name is longer than {MessageLimits.MaxGroupNameLength} characters");
        }
        RequireStorable(name, "name");
    }

    public static void RequireText(string text)
    {
        if (text.Length == 0)
        {
            throw Invalid("text is empty");
        }
        if (Encoding.UTF8.GetByteCount(text) > MessageLimits.MaxTextBytes)
        {
            throw Invalid($"text is longer than {MessageLimits.MaxTextBytes} bytes of UTF-8");
        }
        RequireStorable(text, "text");
    }

    public static void RequireClientId(string clientId)
    {
        if (clientId.Length > MessageLimits.MaxClientIdLength)
        {
            throw Invalid($"client_id is longer than {MessageLimits.MaxClientIdLength} characters");
        }
        RequireStorable(clientId, "client_id");
    }

    private static void RequireStorable(string value, string field)
    {
        if (!StorableText.IsStorable(value))
        {
            throw Invalid($"{field} {StorableText.Rule}");
        }
    }

    /// <summary>A message id used as a cursor; "" is 0.</summary>
    public static long RequireId(string value, string field) =>
        MessageId.TryParse(value, out var id)
            ? id
            : throw Invalid($"{field} is not a message id (at most {MessageId.Width} digits)");

    /// <summary>Exactly one of a peer and a group; true when it is the group.</summary>
    public static bool IsGroup(string peer, string peerField, string groupId)
    {
        if ((peer.Length == 0) == (groupId.Length == 0))
        {
            throw Invalid($"exactly one of {peerField} and group_id must be set");
        }
        return groupId.Length > 0;
    }

    public static RpcException Invalid(string detail) => new(new Status(StatusCode.InvalidArgument, detail));
}
