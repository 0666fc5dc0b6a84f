namespace Chat.Contracts;

/// <summary>
/// What UserService and the Edge both know of an access token: the Edge refuses a longer one
/// before it asks, and UserService refuses it if asked.
/// </summary>
public static class TokenLimits
{
    /// <summary>Longest token looked at, in characters; real ones are well under 1 KiB.</summary>
    public const int MaxTokenLength = 8 * 1024;
}
