namespace Chat.ServiceDefaults.Discovery;

/// <summary>
/// The rules Consul's documentation gives for the index of blocking queries: an index that goes
/// backwards (the agent or its data was reset) restarts at 0 — a plain query; an index below 1 is
/// treated as 1, so a zero from the server never turns a blocking query into a busy loop.
/// </summary>
public static class BlockingIndex
{
    /// <summary>The index to send next, given the one sent and the one answered.</summary>
    public static ulong Next(ulong sent, ulong answered) =>
        answered < sent ? 0 : Math.Max(answered, 1);

    /// <summary>True when the answer may hold news (the index moved); false when the wait just ran out.</summary>
    public static bool Changed(ulong sent, ulong answered) => sent == 0 || answered != sent;
}
