using System.Text;
using System.Text.Unicode;

namespace Chat.Edge.Bus;

/// <summary>
/// A <see cref="BusEvent"/> on its way between replicas, with the replica it comes from (that
/// replica delivered it to its own connections already and ignores its own echo). A small binary
/// header, then the frame's bytes exactly as the connections write them: no replica parses the
/// frame, escapes it into another document or renders it again.
/// <code>
/// version (1 byte, 2) · kind (1 byte) · origin · id · previous id · traceparent · frame
/// </code>
/// Each field is UTF-8 behind its length in bytes (7-bit groups, low first); origin, id, previous
/// id and traceparent hold at most <see cref="MaxFieldBytes"/>, the frame at most
/// <see cref="MaxFrameBytes"/>; an empty traceparent is none, an empty frame is a catch-up's. Version 1 was
/// JSON (its first byte is <c>{</c>); a payload of any other version, or one that does not read
/// exactly to its last byte, is refused whole.
/// </summary>
public readonly ref struct BusEnvelope
{
    public const byte Version = 2;

    /// <summary>Longest origin, id, previous id or traceparent: theirs are tens of bytes.</summary>
    public const int MaxFieldBytes = 1024;

    /// <summary>Longest frame: far above any frame's (4,096 bytes of text, escaped), within three length bytes.</summary>
    public const int MaxFrameBytes = (1 << 21) - 1;

    private readonly ReadOnlySpan<byte> _id;
    private readonly ReadOnlySpan<byte> _previousId;
    private readonly ReadOnlySpan<byte> _traceParent;
    private readonly ReadOnlySpan<byte> _frame;

    private BusEnvelope(BusEventKind kind, ReadOnlySpan<byte> origin, ReadOnlySpan<byte> id, ReadOnlySpan<byte> previousId,
        ReadOnlySpan<byte> traceParent, ReadOnlySpan<byte> frame)
    {
        Kind = kind;
        Origin = origin;
        _id = id;
        _previousId = previousId;
        _traceParent = traceParent;
        _frame = frame;
    }

    /// <summary>The UTF-8 name of the replica that published the event (<c>NodeIdentity</c>).</summary>
    public ReadOnlySpan<byte> Origin { get; }

    public BusEventKind Kind { get; }

    /// <summary>The payload of <paramref name="busEvent"/> from <paramref name="origin"/> (UTF-8), in one exact-size array.</summary>
    public static byte[] Write(ReadOnlySpan<byte> origin, BusEvent busEvent)
    {
        ArgumentNullException.ThrowIfNull(busEvent);
        var frame = busEvent.HasFrame ? busEvent.Frame : [];
        var traceParent = busEvent.TraceParent ?? "";
        var size = 2 + FieldSize(origin.Length, MaxFieldBytes) + FieldSize(Encoding.UTF8.GetByteCount(busEvent.Id), MaxFieldBytes)
            + FieldSize(Encoding.UTF8.GetByteCount(busEvent.PreviousId), MaxFieldBytes)
            + FieldSize(Encoding.UTF8.GetByteCount(traceParent), MaxFieldBytes) + FieldSize(frame.Length, MaxFrameBytes);
        var payload = new byte[size];
        payload[0] = Version;
        payload[1] = (byte)busEvent.Kind;
        var rest = payload.AsSpan(2);
        rest = WriteField(rest, origin);
        rest = WriteField(rest, busEvent.Id);
        rest = WriteField(rest, busEvent.PreviousId);
        rest = WriteField(rest, traceParent);
        WriteField(rest, frame);
        return payload;
    }

    /// <summary>
    /// Reads a payload without copying it. False for anything that is not a whole envelope of this
    /// version: another program on the same channel, an older or newer replica, a truncated payload.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out BusEnvelope envelope)
    {
        envelope = default;
        if (payload.Length < 2 || payload[0] != Version || !Enum.IsDefined((BusEventKind)payload[1]))
        {
            return false;
        }
        var kind = (BusEventKind)payload[1];
        var at = 2;
        if (!TryReadField(payload, ref at, MaxFieldBytes, out var origin) || origin.IsEmpty
            || !TryReadField(payload, ref at, MaxFieldBytes, out var id)
            || !TryReadField(payload, ref at, MaxFieldBytes, out var previousId)
            || !TryReadField(payload, ref at, MaxFieldBytes, out var traceParent)
            || !TryReadField(payload, ref at, MaxFrameBytes, out var frame)
            || at != payload.Length)
        {
            return false;
        }
        var wellFormed = kind switch
        {
            BusEventKind.Message => !id.IsEmpty && !frame.IsEmpty,
            BusEventKind.Read or BusEventKind.Typing => !frame.IsEmpty,
            _ => frame.IsEmpty, // a catch-up carries nothing
        };
        if (!wellFormed)
        {
            return false;
        }
        envelope = new BusEnvelope(kind, origin, id, previousId, traceParent, frame);
        return true;
    }

    /// <summary>The event, for this replica's connections: its strings and its frame copied out of the payload.</summary>
    public BusEvent ToEvent() => BusEvent.Received(
        Kind,
        Text(_id),
        Text(_previousId),
        _frame.IsEmpty ? null : _frame.ToArray(),
        _traceParent.IsEmpty ? null : Encoding.UTF8.GetString(_traceParent));

    private static string Text(ReadOnlySpan<byte> utf8) => utf8.IsEmpty ? "" : Encoding.UTF8.GetString(utf8);

    private static int FieldSize(int length, int max)
    {
        if (length > max)
        {
            throw new ArgumentException($"a bus envelope field of {length} bytes is longer than its {max}");
        }
        return length switch
        {
            < 1 << 7 => 1,
            < 1 << 14 => 2,
            _ => 3,
        } + length;
    }

    private static Span<byte> WriteField(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        var header = WriteLength(destination, value.Length);
        value.CopyTo(destination[header..]);
        return destination[(header + value.Length)..];
    }

    private static Span<byte> WriteField(Span<byte> destination, string value)
    {
        var header = WriteLength(destination, Encoding.UTF8.GetByteCount(value));
        var written = Encoding.UTF8.GetBytes(value, destination[header..]);
        return destination[(header + written)..];
    }

    private static int WriteLength(Span<byte> destination, int length)
    {
        var written = 0;
        while (length >= 0x80)
        {
            destination[written++] = (byte)(0x80 | (length & 0x7F));
            length >>= 7;
        }
        destination[written++] = (byte)length;
        return written;
    }

    /// <summary>Reads the field at <paramref name="at"/> and moves past it.</summary>
    private static bool TryReadField(ReadOnlySpan<byte> payload, scoped ref int at, int max, out ReadOnlySpan<byte> field)
    {
        field = default;
        var rest = payload[at..];
        var length = 0;
        var header = 0;
        while (true)
        {
            if (header == rest.Length || header == 3)
            {
                return false; // cut short, or more length bytes than any field may need
            }
            var next = rest[header];
            length |= (next & 0x7F) << (7 * header);
            header++;
            if (next < 0x80)
            {
                break;
            }
        }
        if (length > max || rest.Length - header < length || !Utf8.IsValid(rest.Slice(header, length)))
        {
            return false;
        }
        field = rest.Slice(header, length);
        at += header + length;
        return true;
    }
}
