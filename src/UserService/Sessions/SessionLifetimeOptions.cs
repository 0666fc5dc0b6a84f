using System.ComponentModel.DataAnnotations;

namespace Chat.UserService.Sessions;

/// <summary>How long a session lasts without use (section <c>Sessions</c>).</summary>
public sealed class SessionLifetimeOptions
{
    public const string Section = "Sessions";

    /// <summary>A refresh token works this long after the session's last login or refresh (sliding).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan RefreshLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Longest device label kept; longer ones are cut.</summary>
    public const int MaxDeviceLength = 64;
}
