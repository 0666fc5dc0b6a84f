namespace Chat.UserService.Sessions;

/// <summary>One login of a user: its access tokens carry its id, its refresh tokens belong to it.</summary>
public sealed class UserSession
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>The label the client gave at login ("" when none).</summary>
    public required string Device { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>The last login or refresh; the refresh lifetime slides from here.</summary>
    public DateTime LastUsedAt { get; set; }

    /// <summary>Set when the session ended (logout, revocation, password change, refresh-token reuse).</summary>
    public DateTime? EndedAt { get; set; }
}
