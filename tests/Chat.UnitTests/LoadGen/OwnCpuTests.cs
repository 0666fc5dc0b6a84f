using System.Text.Json;
using Chat.LoadGen;

namespace Chat.UnitTests.LoadGen;

/// <summary>The generator's own CPU time, as each run reports it beside its latencies.</summary>
public class OwnCpuTests
{
    [Fact]
    public void A_run_reports_the_cpu_time_between_its_two_readings_in_all_and_per_message()
    {
        var start = new OwnCpu(TimeSpan.FromSeconds(3));
        var end = new OwnCpu(TimeSpan.FromSeconds(5.5));

        var reported = JsonSerializer.SerializeToElement(start.Until(end, messages: 10_000));

        Assert.Equal(2.5, reported.GetProperty("seconds").GetDouble(), precision: 6);
        Assert.Equal(250, reported.GetProperty("microsecondsPerMessage").GetDouble(), precision: 6);
        Assert.Equal(0, JsonSerializer.SerializeToElement(start.Until(end, messages: 0)).GetProperty("microsecondsPerMessage").GetDouble());
    }

    [Fact]
    public void Work_done_between_the_readings_is_counted()
    {
        var start = OwnCpu.SoFar();
        var spinning = System.Diagnostics.Stopwatch.StartNew();
        while (OwnCpu.SoFar().Used - start.Used < TimeSpan.FromMilliseconds(20) && spinning.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.SpinWait(1000);
        }

        Assert.True(OwnCpu.SoFar().Used - start.Used >= TimeSpan.FromMilliseconds(20));
    }
}
