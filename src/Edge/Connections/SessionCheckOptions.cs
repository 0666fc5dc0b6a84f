using System.ComponentModel.DataAnnotations;

namespace Chat.Edge.Connections;

/// <summary>How often <see cref="EndedSessionWatch"/> looks for ended sessions (section <c>Realtime</c>, as before the split).</summary>
public sealed class SessionCheckOptions
{
    public const string Section = RealtimeOptions.Section;

    /// <summary>
    /// How often the Edge asks UserService which of its connections' sessions ended, to close
    /// them: with the call's time, within the contract's 5 s bound, hence at most 4 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:04")]
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromSeconds(2);
}
