namespace Chat.UserService.Sessions;

/// <summary>
/// A refresh token as stored: its SHA-256 only (the token is 256 random bits, so a fast hash is
/// enough; a database leak yields no usable token). Rotated ones are kept, so that presenting one
/// again is recognised as reuse and ends the session.
/// </summary>
public sealed class RefreshToken
{
    public required byte[] Hash { get; set; }

    public Guid SessionId { get; set; }

    public DateTime IssuedAt { get; set; }

    /// <summary>When it was exchanged for a new pair; a rotated token presented again is reuse.</summary>
    public DateTime? RotatedAt { get; set; }
}
