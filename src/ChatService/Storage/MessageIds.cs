using System.Globalization;

namespace Chat.ChatService.Storage;

/// <summary>
/// Message ids: 20 decimal digits, <c>T × 1000 + node</c>, where T is a time in microseconds
/// pushed past the participants' last ids. Fixed width makes ordinal string order numeric order.
/// The node number (0–999) keeps ids of different ChatService replicas apart; within a replica
/// T only grows, so one replica never makes the same id twice. Order per user does not come from
/// the clock: the store takes the id while it holds the participants' head rows (see
/// PostgresMessageStore), and T is always above the ids those rows hold.
/// </summary>
public sealed class MessageIds(int node, TimeProvider clock)
{
    public const int Width = 20;
    private const long NodesPerTick = 1000;
    private readonly Lock _gate = new();
    private long _lastTick;

    public int Node { get; } = node is >= 0 and < (int)NodesPerTick
        ? node
        : throw new ArgumentOutOfRangeException(nameof(node), "a node number is 0 to 999");

    /// <summary>The next id above every id in <paramref name="floors"/>, and the time it stands for.</summary>
    public (string Id, DateTime SentAt) Next(params ReadOnlySpan<string> floors)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var tick = (now.Ticks - DateTime.UnixEpoch.Ticks) / (TimeSpan.TicksPerMillisecond / 1000);
        foreach (var floor in floors)
        {
            if (floor.Length > 0)
            {
                tick = Math.Max(tick, (long.Parse(floor, NumberStyles.None, CultureInfo.InvariantCulture) / NodesPerTick) + 1);
            }
        }
        lock (_gate)
        {
            tick = Math.Max(tick, _lastTick + 1);
            _lastTick = tick;
        }
        return (Format((tick * NodesPerTick) + Node), now);
    }

    public static string Format(long value) => value.ToString("D" + Width, CultureInfo.InvariantCulture);

    /// <summary>True for a string shaped like an id (cursors from clients are checked with it).</summary>
    public static bool IsWellFormed(string id) => id.Length == Width && id.All(char.IsAsciiDigit);
}
