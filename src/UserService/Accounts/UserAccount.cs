namespace Chat.UserService.Accounts;

/// <summary>A registered user, as stored.</summary>
public sealed class UserAccount
{
    public Guid Id { get; set; }

    /// <summary>Lower-case; unique (the database enforces both).</summary>
    public required string Username { get; set; }

    /// <summary>ASP.NET Core Identity's PBKDF2 format (algorithm, iterations and salt included).</summary>
    public required string PasswordHash { get; set; }

    public DateTime CreatedAt { get; set; }
}
