using System.ComponentModel.DataAnnotations;
using Chat.Contracts;

namespace Chat.Edge.Connections;

/// <summary>
/// The limits of one WebSocket connection, those of the public contract (PROTOCOL.md, "Limits"),
/// configurable under <c>Realtime</c>. The defaults are the contract's. The section's other
/// settings belong to other parts and are bound by them: <see cref="SessionCheckOptions"/>,
/// Inbox's DeliveryMarkOptions; every call's deadline is <c>Services:CallTimeout</c>.
/// </summary>
public sealed class RealtimeOptions
{
    public const string Section = "Realtime";

    /// <summary>
    /// Largest incoming WebSocket message; larger closes the connection with 1009. The text and
    /// clientId limits inside a frame are ChatService's too, so they are not set here but in
    /// <see cref="MessageLimits"/>; a frame must be able to hold the largest text.
    /// </summary>
    [Range(MessageLimits.MaxTextBytes, 16 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Token bucket per connection: sustained frames per second...</summary>
    [Range(0.001, double.MaxValue)]
    public double MessagesPerSecond { get; set; } = 20;

    /// <summary>...and the burst it allows.</summary>
    [Range(1, int.MaxValue)]
    public int Burst { get; set; } = 50;

    /// <summary>Frames waiting to be written to one connection before it is cut off with 1008.</summary>
    [Range(1, int.MaxValue)]
    public int OutgoingQueueLimit { get; set; } = 1000;

    /// <summary>
    /// Error answers in a row (no good frame between them) after which the client is considered
    /// abusive and the connection is closed with 1008.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxConsecutiveErrors { get; set; } = 100;

    /// <summary>Ping interval, so idle connections through proxies and NATs stay open.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>A connection that does not answer a ping within this is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Messages per SyncMessages page when a connection catches up (at most ChatService's <see cref="MessageLimits.MaxSyncPage"/>).</summary>
    [Range(1, MessageLimits.MaxSyncPage)]
    public int SyncPageSize { get; set; } = 200;
}
