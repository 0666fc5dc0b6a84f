namespace Chat.Edge.Auth;

/// <summary>
/// Why an authentication failed when UserService could not check the token: carried (never
/// thrown) in the failed result, so the challenge answers 503, not 401 — the token may be valid.
/// </summary>
public sealed class TokenCheckUnavailableException : Exception
{
    public TokenCheckUnavailableException()
        : base("UserService cannot check tokens right now.")
    {
    }

    public TokenCheckUnavailableException(string message)
        : base(message)
    {
    }

    public TokenCheckUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
