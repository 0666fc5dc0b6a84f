using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Chat.LoadGen;

/// <summary>
/// The send frames of one sender to one recipient: <c>{"type":"send","to":…,"text":"K load","clientId":"K"}</c>,
/// written straight into their bytes around a prefix made once (the recipient's name escaped once),
/// rather than serialized from an object per message.
/// </summary>
public sealed class SendFrames(string recipient)
{
    private readonly byte[] _prefix = Encoding.UTF8.GetBytes($"{{\"type\":\"send\",\"to\":{JsonSerializer.Serialize(recipient)},\"text\":\"");

    public byte[] For(long sequence)
    {
        Span<byte> number = stackalloc byte[20];
        sequence.TryFormat(number, out var digits, provider: CultureInfo.InvariantCulture);
        number = number[..digits];
        ReadOnlySpan<byte> middle = " load\",\"clientId\":\""u8;
        ReadOnlySpan<byte> end = "\"}"u8;
        var frame = new byte[_prefix.Length + digits + middle.Length + digits + end.Length];
        var rest = frame.AsSpan();
        _prefix.CopyTo(rest);
        rest = rest[_prefix.Length..];
        number.CopyTo(rest);
        rest = rest[digits..];
        middle.CopyTo(rest);
        rest = rest[middle.Length..];
        number.CopyTo(rest);
        rest = rest[digits..];
        end.CopyTo(rest);
        return frame;
    }
}
