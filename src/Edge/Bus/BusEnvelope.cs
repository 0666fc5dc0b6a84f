using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chat.Edge.Bus;

/// <summary>
/// A <see cref="BusEvent"/> on its way between replicas, with the replica it comes from: that
/// replica delivered it to its own connections already and ignores its own echo.
/// </summary>
public sealed record BusEnvelope(string Origin, BusEvent Event)
{
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, BusJson.Default.BusEnvelope);

    /// <summary>Null for a payload that is not an envelope (another program on the same channel, a newer format).</summary>
    public static BusEnvelope? FromUtf8Json(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, BusJson.Default.BusEnvelope) is { Origin: not null, Event: not null } envelope
                ? envelope
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Compact, reflection-free JSON for what crosses the bus.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BusEnvelope))]
internal sealed partial class BusJson : JsonSerializerContext;
