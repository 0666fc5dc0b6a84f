using System.ComponentModel.DataAnnotations;

namespace Chat.Edge.Inbox;

/// <summary>How <see cref="DeliveryMarks"/> writes marks (section <c>Realtime</c>, as before the split).</summary>
public sealed class DeliveryMarkOptions
{
    public const string Section = "Realtime";

    /// <summary>How often the delivery marks of the connections' users are written to ChatService.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan DeliveryMarkFlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}
