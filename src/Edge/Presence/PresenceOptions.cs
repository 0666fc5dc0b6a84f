using System.ComponentModel.DataAnnotations;

namespace Chat.Edge.Presence;

/// <summary>Presence across replicas (with Redis), configurable under <c>Presence</c>.</summary>
public sealed class PresenceOptions
{
    public const string Section = "Presence";

    /// <summary>How often a replica tells Redis its users are still connected.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A user counts as online on a replica for this long after its last heartbeat: a replica that
    /// crashed (no goodbye) stops counting after at most this. Several heartbeats long, so one
    /// slow heartbeat does not flicker anyone offline.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long Redis keeps a user's presence and last-seen keys after their last update.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}
