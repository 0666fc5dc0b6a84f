namespace Chat.Edge.Protocol;

/// <summary>The <c>code</c> values of <c>error</c> frames, as the contract lists them.</summary>
public static class ErrorCodes
{
    public const string InvalidFrame = "invalid_frame";
    public const string UnknownRecipient = "unknown_recipient";
    public const string TooLarge = "too_large";
    public const string RateLimited = "rate_limited";
    public const string Unavailable = "unavailable";
    public const string Forbidden = "forbidden";
}
