using System.ComponentModel.DataAnnotations;

namespace Chat.UserService.Tokens;

/// <summary>How access tokens are signed and checked (section <c>Jwt</c>).</summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>PEM of an ECDSA P-256 private key (ES256). Takes precedence over the file.</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// Path of a PEM file holding the key. In Development a missing file is created with a new
    /// key; elsewhere it must exist.
    /// </summary>
    public string? SigningKeyFile { get; set; }

    public string Issuer { get; set; } = "chat-user-service";

    public string Audience { get; set; } = "chat";

    /// <summary>Lifetime of an access token: short, since a session lives on through refresh tokens.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Clock difference tolerated between machines when checking exp and nbf.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
