using System.Text;
using System.Text.Json;
using Chat.Contracts;

namespace Chat.Edge.Protocol;

/// <summary>
/// Reads one client text frame, in either of the contract's forms: the seed's
/// <c>RECEIVER text…</c> or a JSON object with a <c>type</c>. Never throws on bad input: every
/// malformed frame becomes an <see cref="InvalidFrame"/> that the connection answers with an error.
/// </summary>
public sealed class ClientFrameParser
{
    /// <param name="utf8">The whole frame, already checked to be valid UTF-8.</param>
    public ClientFrame Parse(ReadOnlySpan<byte> utf8)
    {
        var start = 0;
        while (start < utf8.Length && IsSpace(utf8[start]))
        {
            start++;
        }
        if (start == utf8.Length)
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, "empty frame");
        }
        return utf8[start] == (byte)'{' ? ParseJson(utf8) : ParsePlain(utf8[start..]);
    }

    /// <summary>The seed's form: the first word names the receiver, the rest is the text.</summary>
    private ClientFrame ParsePlain(ReadOnlySpan<byte> utf8)
    {
        var space = utf8.IndexOfAny((byte)' ', (byte)'\t');
        if (space < 0)
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, "expected `RECEIVER text` or a JSON object");
        }
        var receiver = Encoding.UTF8.GetString(utf8[..space]);
        if (!StorableText.IsStorable(receiver))
        {
            // As `to` in the JSON form (found by the fuzz test's round trip): any field, not only the text.
            return new InvalidFrame(ErrorCodes.InvalidFrame, $"the receiver {StorableText.Rule}");
        }
        var text = utf8[(space + 1)..];
        return Send(receiver, group: null, text, clientId: null);
    }

    private ClientFrame ParseJson(ReadOnlySpan<byte> utf8)
    {
        string? type = null, to = null, group = null, with = null, upTo = null, clientId = null, token = null;
        byte[]? text = null;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new InvalidFrame(ErrorCodes.InvalidFrame, "expected a JSON object");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual("type"u8)) { type = ReadString(ref reader, "type"); }
                else if (name.SequenceEqual("to"u8)) { to = ReadString(ref reader, "to"); }
                else if (name.SequenceEqual("group"u8)) { group = ReadString(ref reader, "group"); }
                else if (name.SequenceEqual("with"u8)) { with = ReadString(ref reader, "with"); }
                else if (name.SequenceEqual("upTo"u8)) { upTo = ReadString(ref reader, "upTo"); }
                else if (name.SequenceEqual("clientId"u8)) { clientId = ReadString(ref reader, "clientId"); }
                else if (name.SequenceEqual("token"u8)) { token = ReadString(ref reader, "token"); }
                else if (name.SequenceEqual("text"u8)) { text = ReadUtf8(ref reader, "text"); }
                else
                {
                    // Unknown fields are ignored, so clients can be newer than the server.
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return new InvalidFrame(ErrorCodes.InvalidFrame, "expected exactly one JSON object", clientId);
            }
        }
        catch (JsonException)
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, "malformed JSON", clientId);
        }
        catch (InvalidOperationException)
        {
            // A string escape that is no text, such as a lone surrogate "\ud800" (found by the fuzz test).
            return new InvalidFrame(ErrorCodes.InvalidFrame, "a JSON string holds an invalid escape", clientId);
        }
        catch (InvalidFieldException e)
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, e.Message, clientId);
        }

        if (FirstUnstorable(("clientId", clientId)) is { } badKey)
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, $"`{badKey}` {StorableText.Rule}");
        }
        if (FirstUnstorable(("type", type), ("to", to), ("group", group), ("with", with), ("upTo", upTo), ("token", token)) is { } badField)
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, $"`{badField}` {StorableText.Rule}", clientId);
        }
        return type switch
        {
            "send" => Send(to, group, text, clientId),
            "read" => Read(with, group, upTo),
            "typing" => Typing(to, group),
            "auth" => string.IsNullOrEmpty(token) || token.Length > TokenLimits.MaxTokenLength
                ? new InvalidFrame(ErrorCodes.InvalidFrame, $"`token` must be an access token of 1 to {TokenLimits.MaxTokenLength} characters")
                : new AuthFrame(token),
            null => new InvalidFrame(ErrorCodes.InvalidFrame, "`type` is missing", clientId),
            _ => new InvalidFrame(ErrorCodes.InvalidFrame, "`type` must be send, read, typing or auth", clientId),
        };
    }

    private ClientFrame Send(string? to, string? group, ReadOnlySpan<byte> text, string? clientId)
    {
        if (clientId is not null && (clientId.Length == 0 || clientId.Length > MessageLimits.MaxClientIdLength))
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, $"`clientId` must have 1 to {MessageLimits.MaxClientIdLength} characters");
        }
        if (string.IsNullOrEmpty(to) == string.IsNullOrEmpty(group))
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, "name exactly one of `to` and `group`", clientId);
        }
        if (text.IsEmpty)
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, "the text is empty", clientId);
        }
        if (text.Length > MessageLimits.MaxTextBytes)
        {
            return new InvalidFrame(ErrorCodes.TooLarge, $"the text is over {MessageLimits.MaxTextBytes} bytes", clientId);
        }
        if (text.Contains((byte)0))
        {
            // Valid UTF-8 (checked before), so NUL is the one thing of StorableText left to refuse.
            return new InvalidFrame(ErrorCodes.InvalidFrame, $"the text {StorableText.Rule}", clientId);
        }
        return new SendFrame(UsernameRules.Normalize(to), group, Encoding.UTF8.GetString(text), clientId);
    }

    private static ClientFrame Read(string? with, string? group, string? upTo)
    {
        if (string.IsNullOrEmpty(with) == string.IsNullOrEmpty(group))
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, "name exactly one of `with` and `group`");
        }
        if (string.IsNullOrEmpty(upTo))
        {
            return new InvalidFrame(ErrorCodes.InvalidFrame, "`upTo` is missing");
        }
        return new ReadFrame(UsernameRules.Normalize(with), group, upTo);
    }

    private static ClientFrame Typing(string? to, string? group) =>
        string.IsNullOrEmpty(to) == string.IsNullOrEmpty(group)
            ? new InvalidFrame(ErrorCodes.InvalidFrame, "name exactly one of `to` and `group`")
            : new TypingFrame(UsernameRules.Normalize(to), group);

    private static string? ReadString(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw InvalidFieldException.NotAString(field),
    };

    private static byte[]? ReadUtf8(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            throw InvalidFieldException.NotAString(field);
        }
        // Unescaped, so the limit counts the bytes of the text itself, not of its JSON spelling.
        return Encoding.UTF8.GetBytes(reader.GetString()!);
    }

    /// <summary>
    /// The first field that no service could keep (<see cref="StorableText"/>; a "\u0000" escape
    /// is valid JSON), checked once the whole frame is read, so the error can name the clientId.
    /// </summary>
    private static string? FirstUnstorable(params ReadOnlySpan<(string Field, string? Value)> fields)
    {
        foreach (var (field, value) in fields)
        {
            if (value is not null && !StorableText.IsStorable(value))
            {
                return field;
            }
        }
        return null;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private sealed class InvalidFieldException(string message) : Exception(message)
    {
        public static InvalidFieldException NotAString(string field) => new($"`{field}` must be a string");
    }
}
