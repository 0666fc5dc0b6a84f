namespace Chat.Edge.Connections;

/// <summary>
/// The WebSocket limits of the public contract (PROTOCOL.md, "Limits"), configurable under
/// <c>Realtime</c>. The defaults are the contract's.
/// </summary>
public sealed class RealtimeOptions
{
    public const string Section = "Realtime";

    /// <summary>
    /// Largest incoming WebSocket message; larger closes the connection with 1009. The text and
    /// clientId limits inside a frame are ChatService's too, so they are not set here but in
    /// <see cref="Chat.Contracts.MessageLimits"/>.
    /// </summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Token bucket per connection: sustained frames per second...</summary>
    public double MessagesPerSecond { get; set; } = 20;

    /// <summary>...and the burst it allows.</summary>
    public int Burst { get; set; } = 50;

    /// <summary>Frames waiting to be written to one connection before it is cut off with 1008.</summary>
    public int OutgoingQueueLimit { get; set; } = 1000;

    /// <summary>
    /// Error answers in a row (no good frame between them) after which the client is considered
    /// abusive and the connection is closed with 1008.
    /// </summary>
    public int MaxConsecutiveErrors { get; set; } = 100;

    /// <summary>Ping interval, so idle connections through proxies and NATs stay open.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>A connection that does not answer a ping within this is dropped.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Messages per SyncMessages page when a connection catches up (at most ChatService's <see cref="Chat.Contracts.MessageLimits.MaxSyncPage"/>).</summary>
    public int SyncPageSize { get; set; } = 200;

    /// <summary>Deadline of each call to ChatService and UserService made for a connection.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Attempts at storing one message when ChatService is unavailable; retries reuse the
    /// message's idempotency key, so they cannot store it twice.
    /// </summary>
    public int StoreAttempts { get; set; } = 3;

    /// <summary>How often the delivery marks of the connections' users are written to ChatService.</summary>
    public TimeSpan DeliveryMarkFlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often the Edge asks UserService which of its connections' sessions ended, to close
    /// them: with the call's time, within the contract's 5 s bound.
    /// </summary>
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromSeconds(2);
}
