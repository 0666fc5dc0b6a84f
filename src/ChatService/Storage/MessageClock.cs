namespace Chat.ChatService.Storage;

/// <summary>
/// The clock part of a new id: microseconds since the Unix epoch. The inbox heads, not the clock,
/// keep ids ordered, so clock skew between replicas costs nothing but a jump in the numbers.
/// </summary>
public static class MessageClock
{
    public static long Microseconds(DateTimeOffset now) => (now - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>The next id of a message that involves users whose inbox heads are <paramref name="heads"/>.</summary>
    public static long NextId(DateTimeOffset now, IEnumerable<long> heads) =>
        Math.Max(Microseconds(now), heads.Max() + 1);
}
