using System.Text;

namespace Chat.Testing;

/// <summary>
/// Seeded input mutation for fuzz tests: the same seed gives the same cases, so a failure names
/// its seed and case and can be replayed.
/// </summary>
public sealed class Mutator(int seed)
{
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u0000", "\\ud800", "null", "true", "1e999", "-0",
        "\"type\"", "\"send\"", "\"read\"", "\"typing\"", "\"to\"", "\"group\"", "\"text\"", "\"clientId\"", "\"upTo\"",
        " ", "\t", "\n", "é", "😀", "\u200b", new string('x', 5000), new string('[', 100),
    ];

    private readonly Random _random = new(seed);

    /// <summary>A variation of <paramref name="input"/>: characters dropped, repeated, swapped or spliced in.</summary>
    public string Mutate(string input)
    {
        var text = new StringBuilder(input);
        var edits = _random.Next(1, 5);
        for (var i = 0; i < edits; i++)
        {
            var at = text.Length == 0 ? 0 : _random.Next(text.Length);
            switch (_random.Next(5))
            {
                case 0 when text.Length > 0:
                    text.Remove(at, Math.Min(_random.Next(1, 8), text.Length - at));
                    break;
                case 1:
                    text.Insert(at, Tokens[_random.Next(Tokens.Length)]);
                    break;
                case 2 when text.Length > 0:
                    text[at] = (char)_random.Next(32, 127);
                    break;
                case 3 when text.Length > 1:
                    var other = _random.Next(text.Length);
                    (text[at], text[other]) = (text[other], text[at]);
                    break;
                default:
                    text.Insert(at, input.AsSpan(_random.Next(input.Length)));
                    break;
            }
        }
        return text.ToString();
    }

    /// <summary>Random printable and non-ASCII text (always valid UTF-16, so valid UTF-8 once encoded).</summary>
    public string Noise(int maxLength)
    {
        var text = new StringBuilder();
        var length = _random.Next(maxLength);
        for (var i = 0; i < length; i++)
        {
            text.Append(_random.Next(10) switch
            {
                0 => Tokens[_random.Next(Tokens.Length)],
                1 => (char)_random.Next(0x80, 0xD7FF),
                _ => (char)_random.Next(0, 127),
            });
        }
        return text.ToString();
    }

    public int Next(int max) => _random.Next(max);
}
