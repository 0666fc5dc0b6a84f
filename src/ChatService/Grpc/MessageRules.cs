using System.Text;
using Grpc.Core;

namespace Chat.ChatService.Grpc;

/// <summary>What a message and a page request must be (PROTOCOL.md, limits); anything else is InvalidArgument.</summary>
public static class MessageRules
{
    public const int MaxTextBytes = 4096;
    public const int MaxClientIdLength = 64;
    public const int MaxUsernameLength = 64;
    public const int DefaultHistoryPage = 50;
    public const int MaxHistoryPage = 200;
    public const int DefaultSyncPage = 100;
    public const int MaxSyncPage = 500;

    public static void RequireUser(string value, string field)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxUsernameLength)
        {
            throw Invalid($"{field} must be a username");
        }
    }

    public static void RequireText(string text)
    {
        if (text.Length == 0)
        {
            throw Invalid("text is empty");
        }
        if (Encoding.UTF8.GetByteCount(text) > MaxTextBytes)
        {
            throw Invalid($"text is over {MaxTextBytes} bytes of UTF-8");
        }
    }

    public static void RequireClientId(string clientId)
    {
        if (clientId.Length > MaxClientIdLength)
        {
            throw Invalid($"client_id is over {MaxClientIdLength} characters");
        }
    }

    public static void RequireCursor(string cursor, string field)
    {
        if (cursor.Length > 0 && !Storage.MessageIds.IsWellFormed(cursor))
        {
            throw Invalid($"{field} must be a message id");
        }
    }

    public static int PageSize(int requested, int fallback, int cap) => requested switch
    {
        < 0 => throw Invalid("limit must not be negative"),
        0 => fallback,
        _ => Math.Min(requested, cap),
    };

    private static RpcException Invalid(string detail) => new(new Status(StatusCode.InvalidArgument, detail));
}
