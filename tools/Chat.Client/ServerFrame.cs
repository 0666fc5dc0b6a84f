using System.Text.Json;

namespace Chat.Client;

/// <summary>Reading the server's frames (docs/PROTOCOL.md): every one is a JSON object with a <c>type</c>.</summary>
public static class ServerFrame
{
    /// <summary>The frame's <c>type</c>, or null when it has none.</summary>
    public static string? TypeOf(JsonElement frame) =>
        frame.ValueKind == JsonValueKind.Object && frame.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()
            : null;

    /// <summary>True when the frame is of this <c>type</c>.</summary>
    public static bool Is(JsonElement frame, string type) => TypeOf(frame) == type;
}
