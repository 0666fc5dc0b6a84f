using System.ComponentModel.DataAnnotations;

namespace Chat.Edge.Redis;

/// <summary>
/// How the Edge talks to Redis, configurable under <c>Redis</c>; the address itself is
/// <c>ConnectionStrings:Redis</c> (StackExchange.Redis syntax, e.g. <c>127.0.0.1:6379,password=…</c>).
/// The timeouts are short on purpose: Redis is an accelerator here, never the place a message is
/// kept, so a replica fails fast past it rather than queueing work while it is away.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>From <c>ConnectionStrings:Redis</c>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Time to open a connection.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time a command may take before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between two reconnection attempts while Redis is away.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>At most one log line per this interval about failing Redis commands.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan FailureLogInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// While Redis is away, every local connection re-reads the store this often, so messages
    /// stored through other replicas still reach it live (one SyncMessages per connection per
    /// interval, ramped by <see cref="CatchUpBatchSize"/>; nothing while Redis is up).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan OutagePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When Redis returns (and at each <see cref="OutagePollInterval"/> while it is away), every
    /// local connection re-reads the store; this many at a time, so
    /// ChatService sees a ramp rather than every connection of the replica at once.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int CatchUpBatchSize { get; set; } = 200;

    /// <summary>Pause between two batches of <see cref="CatchUpBatchSize"/> catch-ups.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CatchUpBatchPause { get; set; } = TimeSpan.FromMilliseconds(50);
}
