using System.Diagnostics;
using System.Globalization;

namespace Chat.BusBench;

/// <summary>
/// How many times a Redis node has read from and written to its clients' sockets
/// (<c>total_reads_processed</c>, <c>total_writes_processed</c> of <c>INFO stats</c>, Redis 6+), asked
/// through <c>redis-cli</c> so the benchmark's own connections carry no extra commands.
/// </summary>
public static class RedisIoCounters
{
    public static async Task<(long Reads, long Writes)> ReadAsync(string endPoint)
    {
        var colon = endPoint.LastIndexOf(':');
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-h", endPoint[..colon], "-p", endPoint[(colon + 1)..], "info", "stats" })
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start redis-cli");
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (Counter(text, "total_reads_processed"), Counter(text, "total_writes_processed"));
    }

    private static long Counter(string info, string name)
    {
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"INFO stats has no {name}");
    }
}
