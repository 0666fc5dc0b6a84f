namespace Chat.ChatService.Storage;

/// <summary>
/// The clock part of a new id: microseconds since the Unix epoch. The inbox heads, not the clock,
/// keep ids ordered, so clock skew between replicas costs nothing but a jump in the numbers.
/// </summary>
public static class MessageClock
{
    // The last id this process handed out. Concurrent writers (group commit runs several) lock
    // disjoint inbox heads, so nothing in the database keeps them from picking the same
    // microsecond; without this floor they did, hundreds of times a minute under load, and each
    // clash rolled back a whole batch. Replicas can still clash, rarely: that stays a retry.
    private static long s_lastIssued;

    public static long Microseconds(DateTimeOffset now) => (now - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>
    /// The next id of a message that involves users whose inbox heads are <paramref name="heads"/>:
    /// above every head and above every id this process handed out before.
    /// </summary>
    public static long NextId(DateTimeOffset now, IEnumerable<long> heads) => Issue(Math.Max(Microseconds(now), heads.Max() + 1));

    /// <summary>As <see cref="NextId(DateTimeOffset, IEnumerable{long})"/> for a 1:1 message: its sender's and its recipient's heads.</summary>
    public static long NextId(DateTimeOffset now, long senderHead, long recipientHead) =>
        Issue(Math.Max(Microseconds(now), Math.Max(senderHead, recipientHead) + 1));

    private static long Issue(long wanted)
    {
        while (true)
        {
            var last = Volatile.Read(ref s_lastIssued);
            var id = Math.Max(wanted, last + 1);
            if (Interlocked.CompareExchange(ref s_lastIssued, id, last) == last)
            {
                return id;
            }
        }
    }
}
