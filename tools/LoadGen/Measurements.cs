using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using HdrHistogram;

namespace Chat.LoadGen;

/// <summary>
/// What the load saw. Latencies run from each message's <b>intended</b> send time (open loop), so
/// a server that falls behind shows up as latency, not as a lower send rate.
/// </summary>
public sealed class Measurements
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly LongHistogram _ack = new(TimeStamp.Minutes(10), 3);
    private readonly LongHistogram _delivery = new(TimeStamp.Minutes(10), 3);
    private readonly ConcurrentDictionary<long, long> _dueTicks = new();
    private readonly ConcurrentDictionary<long, byte> _acked = new();
    private readonly ConcurrentDictionary<long, int> _delivered = new();
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly ConcurrentDictionary<(string User, string Id), byte> _seen = new();
    private long _duplicates;
    private long _deliveredCount;

    public long Now => _clock.ElapsedTicks;

    public long Sent => _dueTicks.Count;

    public long Delivered => Interlocked.Read(ref _deliveredCount);

    public void Scheduled(long sequence, long dueTicks) => _dueTicks[sequence] = dueTicks;

    public void OnFrame(string user, JsonElement frame)
    {
        var now = _clock.ElapsedTicks;
        switch (frame.GetProperty("type").GetString())
        {
            case "sent" when long.TryParse(frame.GetProperty("clientId").GetString(), out var sequence):
                _acked[sequence] = 0;
                Record(_ack, now, sequence);
                break;
            case "message":
                if (!_seen.TryAdd((user, frame.GetProperty("id").GetString()!), 0))
                {
                    Interlocked.Increment(ref _duplicates);
                    break;
                }
                var text = frame.GetProperty("text").GetString()!;
                if (long.TryParse(text.AsSpan(0, text.IndexOf(' ') is > 0 and var space ? space : text.Length), out var seq))
                {
                    _delivered.AddOrUpdate(seq, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref _deliveredCount);
                    Record(_delivery, now, seq);
                }
                break;
            case "error":
                _errors.AddOrUpdate(frame.GetProperty("code").GetString()!, 1, (_, n) => n + 1);
                break;
        }
    }

    private void Record(LongHistogram histogram, long now, long sequence)
    {
        if (_dueTicks.TryGetValue(sequence, out var due))
        {
            var micros = Math.Max(0, (now - due) * 1_000_000 / Stopwatch.Frequency);
            lock (histogram)
            {
                histogram.RecordValue(micros);
            }
        }
    }

    public object Summary(double seconds) => new
    {
        sent = Sent,
        acknowledged = _acked.Count,
        delivered = Delivered,
        deliveredPerSecond = Delivered / seconds,
        ackLatencyMs = Percentiles(_ack),
        deliveryLatencyMs = Percentiles(_delivery),
        errors = _errors,
        // Acknowledged (stored) but never delivered by the end of the drain: must be zero.
        lost = _acked.Keys.Count(k => !_delivered.ContainsKey(k)),
        duplicates = Interlocked.Read(ref _duplicates),
    };

    private static object Percentiles(LongHistogram h)
    {
        lock (h)
        {
            return new
            {
                p50 = h.GetValueAtPercentile(50) / 1000.0,
                p90 = h.GetValueAtPercentile(90) / 1000.0,
                p99 = h.GetValueAtPercentile(99) / 1000.0,
                p999 = h.GetValueAtPercentile(99.9) / 1000.0,
                max = h.GetMaxValue() / 1000.0,
            };
        }
    }
}
