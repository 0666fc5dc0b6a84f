using System.Diagnostics.CodeAnalysis;
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

    /// <summary>
    /// Usernames are case-insensitive: this is the one spelling that is stored and compared. Only
    /// ASCII letters are folded: the contract's alphabet is ASCII, and Unicode case mapping would
    /// turn other letters into it (U+212A KELVIN SIGN into 'k', U+0130 into 'i' plus a dot), so a
    /// name could be registered or logged in to under a spelling that is not its own.
    /// </summary>
    [return: NotNullIfNotNull(nameof(username))]
    public static string? Normalize(string? username)
    {
        if (username is null)
        {
            return null;
        }
        var trimmed = username.Trim();
        return string.Create(trimmed.Length, trimmed, static (folded, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                folded[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] | 0x20) : source[i];
            }
        });
    }

    public static bool IsValidUsername(string normalized) => Shape().IsMatch(normalized);

    public static bool IsValidPassword(string password) =>
        password.Length is >= MinPasswordLength and <= MaxPasswordLength;

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^[a-z0-9_.-]{3,32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
