using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Perf;

/// <summary>
/// tools/LoadGen against a real Edge in relay-only mode: its counts must add up, or every
/// benchmark built on it says nothing.
/// </summary>
public sealed class LoadGenTests
{
    private static readonly string LoadGen =
        Path.Combine(RepositoryPaths.Root, "tools", "LoadGen", "bin", RepositoryPaths.Configuration, "net10.0", "Chat.LoadGen.dll");

    private static Task<ServiceProcess> StartRelayAsync() =>
        ServiceProcess.StartRelayEdgeAsync(new Dictionary<string, string?>());

    [Fact]
    public async Task Every_message_it_sends_is_counted_acknowledged_and_delivered_once()
    {
        await using var edge = await StartRelayAsync();

        var output = await TestRun.RunAsync("dotnet", LoadGen, "--targets", edge.Address.ToString(), "--relay", "--pattern", "pairs",
            "--connections", "10", "--rate", "100", "--warmup", "1", "--duration", "2", "--drain", "2", "--settle", "0");
        var run = JsonDocument.Parse(output).RootElement;
        var result = run.GetProperty("result");

        // The warm-up's 100 messages count for loss like the 200 timed ones.
        Assert.Equal(300, result.GetProperty("sent").GetInt64());
        Assert.Equal(300, result.GetProperty("acknowledged").GetInt64());
        Assert.Equal(300, result.GetProperty("delivered").GetInt64());
        Assert.Equal(0, result.GetProperty("lost").GetInt64());
        Assert.Equal(0, result.GetProperty("duplicates").GetInt64());
        Assert.Empty(result.GetProperty("errors").EnumerateObject());
        Assert.InRange(result.GetProperty("deliveryLatencyMs").GetProperty("p50").GetDouble(), 0.001, 10_000);
        // The timed seconds, each with its own latencies.
        Assert.Equal(2, result.GetProperty("deliveryBySecond").GetArrayLength());
        Assert.All(result.GetProperty("deliveryBySecond").EnumerateArray(), s => Assert.Equal(JsonValueKind.Object, s.GetProperty("latencyMs").ValueKind));
        // Its own cost, and how it ran: below 10,000 msgs/s with no frame handed to another thread.
        Assert.True(run.GetProperty("generatorCpu").GetProperty("seconds").GetDouble() > 0);
        Assert.True(run.GetProperty("generatorCpu").GetProperty("microsecondsPerMessage").GetDouble() > 0);
        Assert.Equal("direct", run.GetProperty("generatorSends").GetString());
        Assert.Equal("inline", run.GetProperty("generatorSocketCompletions").GetString());
    }

    [Fact]
    public async Task Idle_mode_holds_the_connections_and_reports_the_edges_memory_for_each()
    {
        await using var edge = await StartRelayAsync();

        var output = await TestRun.RunAsync("dotnet", LoadGen, "--targets", edge.Address.ToString(), "--relay", "--idle",
            "--connections", "300", "--hold", "1", "--edge-pids", edge.Process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var result = JsonDocument.Parse(output).RootElement;

        Assert.Equal(300, result.GetProperty("connections").GetInt32());
        Assert.True(result.GetProperty("edgeRssAfterBytes").GetInt64() > result.GetProperty("edgeRssBeforeBytes").GetInt64());
        Assert.True(result.GetProperty("bytesPerConnection").GetDouble() > 0);
    }
}
