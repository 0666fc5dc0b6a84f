namespace Chat.LoadGen;

/// <summary>Resident memory of the Edge processes, from /proc (Linux).</summary>
public static class EdgeMemory
{
    public static long? TotalRssBytes(IReadOnlyList<int> pids)
    {
        if (pids.Count == 0)
        {
            return null;
        }
        long total = 0;
        foreach (var pid in pids)
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (line is null)
            {
                return null;
            }
            total += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return total;
    }
}
