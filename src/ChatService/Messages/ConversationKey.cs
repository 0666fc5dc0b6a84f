namespace Chat.ChatService.Messages;

/// <summary>
/// The key a conversation's messages share, so history is one index range whichever side sent.
/// The two usernames are length-prefixed and ordered, so no username can forge another pair's key.
/// </summary>
public static class ConversationKey
{
    public static string Direct(string a, string b)
    {
        var (first, second) = string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
        return $"d:{first.Length}:{first}:{second}";
    }

    public static string Group(string groupId) => "g:" + groupId;
}
