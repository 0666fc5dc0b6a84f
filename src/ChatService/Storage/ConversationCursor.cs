using System.Globalization;

namespace Chat.ChatService.Storage;

/// <summary>The conversation list's page cursor: the last entry's activity and conversation key.</summary>
internal static class ConversationCursor
{
    public static string Format(long activity, string conversation) =>
        activity.ToString(CultureInfo.InvariantCulture) + "." + conversation;

    /// <summary>Null or empty: the first page.</summary>
    public static (long Activity, string Conversation) Parse(string? page)
    {
        if (string.IsNullOrEmpty(page))
        {
            return (long.MaxValue, "");
        }
        var dot = page.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && long.TryParse(page.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var activity)
            ? (activity, page[(dot + 1)..])
            : throw new ArgumentException("page is not a cursor from next_page", nameof(page));
    }
}
