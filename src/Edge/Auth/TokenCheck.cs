namespace Chat.Edge.Auth;

/// <summary>The outcome of checking a token: a user, invalid, or unknown because UserService is down.</summary>
public sealed record TokenCheck(AuthenticatedUser? User, bool Unavailable)
{
    public static readonly TokenCheck Invalid = new(null, false);
    public static readonly TokenCheck ServiceUnavailable = new(null, true);
}
