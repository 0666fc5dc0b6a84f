using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Chat.LoadGen;

namespace Chat.UnitTests.LoadGen;

/// <summary>
/// The load generator's bookkeeping: what it sends, and what it makes of the frames it gets back.
/// A miscount here would report a server's loss or duplicates wrongly, or time the warm-up.
/// </summary>
public class MeasurementsTests
{
    [Fact]
    public void A_send_frame_is_the_json_the_protocol_expects_with_the_recipient_escaped()
    {
        var frame = JsonDocument.Parse(new SendFrames("a\"b\\c").For(1234567)).RootElement;

        Assert.Equal("send", frame.GetProperty("type").GetString());
        Assert.Equal("a\"b\\c", frame.GetProperty("to").GetString());
        Assert.Equal("1234567 load", frame.GetProperty("text").GetString());
        Assert.Equal("1234567", frame.GetProperty("clientId").GetString());
        Assert.Equal(4, frame.EnumerateObject().Count());
    }

    [Fact]
    public void Acknowledged_delivered_lost_and_duplicates_are_counted_per_message()
    {
        var measurements = new Measurements(total: 4, measuredFrom: 0, TimeSpan.FromSeconds(1));
        for (var k = 0; k < 4; k++)
        {
            measurements.Scheduled(k, measurements.Now);
            measurements.OnFrame(Sent(k));
        }
        measurements.OnFrame(Message(0));
        measurements.OnFrame(Message(1));
        measurements.OnFrame(Message(2));
        measurements.OnFrame(Message(2)); // delivered twice
        measurements.OnFrame(Utf8("""{"type":"error","code":"rate_limited","clientId":"3"}"""));

        var summary = SummaryOf(measurements);

        Assert.Equal(4, summary.GetProperty("sent").GetInt64());
        Assert.Equal(4, summary.GetProperty("acknowledged").GetInt64());
        Assert.Equal(3, summary.GetProperty("delivered").GetInt64());
        Assert.Equal(1, summary.GetProperty("lost").GetInt64()); // 3: acknowledged, never delivered
        Assert.Equal(1, summary.GetProperty("duplicates").GetInt64());
        Assert.Equal(1, summary.GetProperty("errors").GetProperty("rate_limited").GetInt32());
    }

    [Fact]
    public void The_warm_up_counts_for_loss_but_its_latencies_are_not_timed()
    {
        var measurements = new Measurements(total: 3, measuredFrom: 2, TimeSpan.FromSeconds(1));
        for (var k = 0; k < 3; k++)
        {
            measurements.Scheduled(k, measurements.Now);
            measurements.OnFrame(Sent(k));
        }
        measurements.OnFrame(Message(0));
        measurements.OnFrame(Message(2));

        var summary = SummaryOf(measurements);

        Assert.Equal(1, summary.GetProperty("lost").GetInt64()); // 1, of the warm-up
        Assert.Equal(2, summary.GetProperty("delivered").GetInt64());
        // Only message 2 was timed: one value, so every percentile is that value.
        var latency = summary.GetProperty("deliveryLatencyMs");
        Assert.Equal(latency.GetProperty("p50").GetDouble(), latency.GetProperty("max").GetDouble(), 0.1);
        Assert.Equal(JsonValueKind.Object, summary.GetProperty("deliveryBySecond")[0].GetProperty("latencyMs").ValueKind);
    }

    [Fact]
    public void Frames_that_are_not_ours_are_ignored()
    {
        var measurements = new Measurements(total: 1, measuredFrom: 0, TimeSpan.FromSeconds(1));
        measurements.Scheduled(0, measurements.Now);
        measurements.OnFrame(Utf8("""{"type":"message","id":"x","from":"someone","text":"hello"}"""));
        measurements.OnFrame(Utf8("""{"type":"message","id":"y","text":"7 load"}""")); // not yet scheduled
        measurements.OnFrame(Utf8("""{"type":"presence","user":"a","online":true}"""));
        measurements.OnFrame(Utf8("""{"text":"0 load","nested":{"type":"message"},"type":"sent","clientId":"\u0030"}"""));

        var summary = SummaryOf(measurements);

        Assert.Equal(0, summary.GetProperty("delivered").GetInt64());
        Assert.Equal(0, summary.GetProperty("acknowledged").GetInt64()); // an escaped clientId is not ours
    }

    [Fact]
    public void How_late_the_generator_posted_each_timed_message_is_reported_on_its_own()
    {
        var measurements = new Measurements(total: 3, measuredFrom: 1, TimeSpan.FromSeconds(1));
        var ticksPerMillisecond = Stopwatch.Frequency / 1000;
        measurements.Scheduled(0, measurements.Now - (2_000 * ticksPerMillisecond)); // warm-up: not timed
        measurements.Scheduled(1, measurements.Now - (5 * ticksPerMillisecond));
        measurements.Scheduled(2, measurements.Now - (5 * ticksPerMillisecond));

        var lag = SummaryOf(measurements).GetProperty("postLagMs");

        Assert.InRange(lag.GetProperty("p50").GetDouble(), 5, 1_000);
        Assert.InRange(lag.GetProperty("max").GetDouble(), 5, 1_000);
    }

    private static ReadOnlyMemory<byte> Sent(long k) => Utf8($$"""{"type":"sent","id":"m{{k}}","clientId":"{{k}}"}""");

    private static ReadOnlyMemory<byte> Message(long k) => Utf8($$"""{"type":"message","id":"m{{k}}","from":"a","to":"b","text":"{{k}} load"}""");

    private static ReadOnlyMemory<byte> Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static JsonElement SummaryOf(Measurements measurements) =>
        JsonSerializer.SerializeToElement(measurements.Summary(1));
}
