using System.Text.RegularExpressions;

namespace Chat.Contracts;

/// <summary>
/// The contract's rules for usernames and passwords (PROTOCOL.md, register): UserService registers
/// by them and the Edge refuses a name that cannot exist without asking.
/// </summary>
public static partial class UsernameRules
{
    public const int MinLength = 3;
    public const int MaxLength = 32;
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 128;

    /// <summary>Usernames are case-insensitive: this is the one spelling that is stored and compared.</summary>
    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    public static bool IsValidUsername(string normalized) => Shape().IsMatch(normalized);

    public static bool IsValidPassword(string password) =>
        password.Length is >= MinPasswordLength and <= MaxPasswordLength;

    [GeneratedRegex("^[a-z0-9_.-]{3,32}$")]
    private static partial Regex Shape();
}
