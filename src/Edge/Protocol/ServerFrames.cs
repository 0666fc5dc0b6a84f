using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Chat.Edge.Protocol;

/// <summary>
/// Renders the server's frames (PROTOCOL.md, "Server to client") as UTF-8 JSON. Each frame is
/// rendered once into an exact-size array that can be written to any number of connections.
/// </summary>
public static class ServerFrames
{
    // Relaxed escaping keeps non-ASCII text readable in wscat; these frames are never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static byte[] Message(string id, string from, string? to, string? group, string text, DateTime sentAt) =>
        Render(w =>
        {
            w.WriteString("type"u8, "message"u8);
            w.WriteString("id"u8, id);
            w.WriteString("from"u8, from);
            WriteConversation(w, to, group);
            w.WriteString("text"u8, text);
            w.WriteString("sentAt"u8, FormatTime(sentAt));
        });

    public static byte[] Sent(string id, string? clientId, string? to, string? group, DateTime sentAt) =>
        Render(w =>
        {
            w.WriteString("type"u8, "sent"u8);
            w.WriteString("id"u8, id);
            WriteNullable(w, "clientId"u8, clientId);
            WriteConversation(w, to, group);
            w.WriteString("sentAt"u8, FormatTime(sentAt));
        });

    /// <summary>A read receipt: <paramref name="by"/> has read the conversation up to <paramref name="upTo"/>.</summary>
    public static byte[] Read(string by, string? with, string? group, string upTo) =>
        Render(w =>
        {
            w.WriteString("type"u8, "read"u8);
            w.WriteString("by"u8, by);
            if (group is not null)
            {
                w.WriteString("group"u8, group);
            }
            else
            {
                w.WriteString("with"u8, with);
            }
            w.WriteString("upTo"u8, upTo);
        });

    public static byte[] Typing(string from, string? to, string? group) =>
        Render(w =>
        {
            w.WriteString("type"u8, "typing"u8);
            w.WriteString("from"u8, from);
            WriteConversation(w, to, group);
        });

    /// <summary>The token the connection lives on expires in <paramref name="seconds"/>: send a newer one in an <c>auth</c> frame.</summary>
    public static byte[] Expiring(int seconds) =>
        Render(w =>
        {
            w.WriteString("type"u8, "expiring"u8);
            w.WriteNumber("in"u8, seconds);
        });

    public static byte[] Error(string code, string message, string? clientId = null) =>
        Render(w =>
        {
            w.WriteString("type"u8, "error"u8);
            w.WriteString("code"u8, code);
            w.WriteString("message"u8, message);
            if (clientId is not null)
            {
                w.WriteString("clientId"u8, clientId);
            }
        });

    /// <summary>ISO 8601 in UTC, to the microsecond, as every <c>sentAt</c> is written.</summary>
    public static string FormatTime(DateTime time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static void WriteConversation(Utf8JsonWriter w, string? to, string? group)
    {
        if (group is not null)
        {
            w.WriteString("group"u8, group);
        }
        else
        {
            w.WriteString("to"u8, to);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static byte[] Render(Action<Utf8JsonWriter> body)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
