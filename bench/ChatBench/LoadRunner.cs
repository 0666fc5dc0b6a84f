using System.Diagnostics;

namespace Chat.Bench;

/// <summary>What one scenario achieved: operations per second and latency percentiles.</summary>
internal sealed record LoadResult(string Scenario, int Concurrency, long Operations, TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;
}

/// <summary>Runs <c>concurrency</c> workers, each calling one operation after another, for a fixed time.</summary>
internal static class LoadRunner
{
    public static async Task<LoadResult> RunAsync(string scenario, int concurrency, TimeSpan duration, Func<int, long, Task> operation)
    {
        // A short warm-up (connections, JIT) that is not counted.
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => operation(w, -1)));
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = [];
            for (long i = 0; clock.Elapsed < duration; i++)
            {
                var started = clock.Elapsed;
                await operation(w, i);
                mine.Add((clock.Elapsed - started).TotalMilliseconds);
            }
        })));
        var elapsed = clock.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(scenario, concurrency, all.Length, elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
