using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using HdrHistogram;

namespace Chat.LoadGen;

/// <summary>
/// What the load saw. Latencies run from each message's <b>intended</b> send time (open loop), so
/// a server that falls behind shows up as latency, not as a lower send rate. Messages before
/// <c>measuredFrom</c> are the warm-up: counted for loss and duplicates, not for latency.
/// </summary>
/// <remarks>
/// Everything per message lives in arrays indexed by its sequence, sized once, and frames are read
/// with a <see cref="Utf8JsonReader"/> where they arrive: at tens of thousands of frames a second
/// the dictionaries and parsed documents this used to keep cost the generator more CPU than the
/// relay it measured, and their collections (up to 120 ms of pauses a second) showed up as the
/// servers' latency (docs/benchmarks.md, "The generator measured").
/// </remarks>
public sealed class Measurements
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _measuredFrom;
    private readonly long[] _due;
    private readonly byte[] _acked;
    private readonly int[] _deliveries;
    private readonly LongHistogram _ack = new(TimeStamp.Minutes(10), 3);
    private readonly LongHistogram _delivery = new(TimeStamp.Minutes(10), 3);

    // How late the generator itself posted each message: a part of both latencies above that is
    // the generator's, not the servers'.
    private readonly LongHistogram _postLag = new(TimeStamp.Minutes(10), 3);

    // Delivery latency by the second each message was due: shows whether a tail is spread over the
    // run or comes from one stretch of it (a collection, a stall).
    private readonly LongHistogram[] _deliveryBySecond;
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private long _sent;
    private long _deliveredCount;
    private long _duplicates;

    public Measurements(long total, long measuredFrom, TimeSpan measured)
    {
        _measuredFrom = measuredFrom;
        _due = new long[total];
        _acked = new byte[total];
        _deliveries = new int[total];
        _deliveryBySecond = [.. Enumerable.Range(0, Math.Max(1, (int)Math.Ceiling(measured.TotalSeconds))).Select(_ => new LongHistogram(TimeStamp.Minutes(10), 2))];
    }

    public long Now => _clock.ElapsedTicks;

    public long Sent => Volatile.Read(ref _sent);

    public long Delivered => Interlocked.Read(ref _deliveredCount);

    /// <summary>Message <paramref name="sequence"/> is due now: called in sequence order, before it is posted.</summary>
    public void Scheduled(long sequence, long dueTicks)
    {
        _due[sequence] = dueTicks;
        Record(_postLag, _clock.ElapsedTicks, sequence);
        Volatile.Write(ref _sent, sequence + 1);
    }

    /// <summary>One frame a connection received, as its UTF-8 bytes.</summary>
    public void OnFrame(ReadOnlyMemory<byte> utf8)
    {
        var now = _clock.ElapsedTicks;
        var reader = new Utf8JsonReader(utf8.Span);
        string? type = null;
        long clientId = -1;
        long textSequence = -1;
        string? code = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.ValueTextEquals("sent"u8) ? "sent"
                    : reader.ValueTextEquals("message"u8) ? "message"
                    : reader.ValueTextEquals("error"u8) ? "error"
                    : null;
            }
            else if (reader.ValueTextEquals("clientId"u8))
            {
                reader.Read();
                clientId = LeadingNumber(reader);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                textSequence = LeadingNumber(reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        switch (type)
        {
            case "sent" when Known(clientId):
                _acked[clientId] = 1;
                Record(_ack, now, clientId);
                break;
            case "message" when Known(textSequence):
                if (Interlocked.Increment(ref _deliveries[textSequence]) > 1)
                {
                    Interlocked.Increment(ref _duplicates);
                    break;
                }
                Interlocked.Increment(ref _deliveredCount);
                if (Record(_delivery, now, textSequence) is { } micros)
                {
                    var second = Math.Min(_deliveryBySecond.Length - 1, (_due[textSequence] - _due[_measuredFrom]) / Stopwatch.Frequency);
                    var histogram = _deliveryBySecond[second];
                    lock (histogram)
                    {
                        histogram.RecordValue(micros);
                    }
                }
                break;
            case "error":
                _errors.AddOrUpdate(code ?? "?", 1, (_, n) => n + 1);
                break;
        }
    }

    // Our sends carry the sequence as the clientId and as the text's first word.
    private static long LeadingNumber(Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && Utf8Parser.TryParse(reader.ValueSpan, out long value, out _)
            ? value
            : -1;

    private bool Known(long sequence) => sequence >= 0 && sequence < Sent;

    /// <summary>The latency in microseconds, recorded when the message is past the warm-up.</summary>
    private long? Record(LongHistogram histogram, long now, long sequence)
    {
        if (sequence < _measuredFrom)
        {
            return null;
        }
        var micros = Math.Max(0, (now - _due[sequence]) * 1_000_000 / Stopwatch.Frequency);
        lock (histogram)
        {
            histogram.RecordValue(micros);
        }
        return micros;
    }

    public object Summary(double seconds)
    {
        var sent = Sent;
        long acknowledged = 0, lost = 0;
        for (var k = 0L; k < sent; k++)
        {
            if (_acked[k] == 1)
            {
                acknowledged++;
                // Acknowledged (stored) but never delivered by the end of the drain: must be zero.
                lost += Volatile.Read(ref _deliveries[k]) == 0 ? 1 : 0;
            }
        }
        return new
        {
            sent,
            acknowledged,
            delivered = Delivered,
            deliveredPerSecond = Delivered / seconds,
            ackLatencyMs = Percentiles(_ack),
            deliveryLatencyMs = Percentiles(_delivery),
            postLagMs = Percentiles(_postLag),
            errors = _errors,
            lost,
            duplicates = Interlocked.Read(ref _duplicates),
            deliveryBySecond = _deliveryBySecond.Select((h, second) => new { second, latencyMs = Percentiles(h) }),
        };
    }

    private static object? Percentiles(LongHistogram h)
    {
        lock (h)
        {
            return h.TotalCount == 0 ? null : new
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
