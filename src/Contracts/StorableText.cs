namespace Chat.Contracts;

/// <summary>
/// The contract's rule for every string a client hands in (PROTOCOL.md: text holding NUL or a lone
/// UTF-16 surrogate is refused): PostgreSQL's text type cannot hold U+0000, and a lone surrogate
/// is no character at all, so neither can be stored or sent on as UTF-8. The Edge refuses such a
/// string before it calls a service and ChatService refuses it as InvalidArgument, so bad input is
/// never taken for an outage of the store.
/// </summary>
public static class StorableText
{
    /// <summary>Why a string was refused, for the error a client sees.</summary>
    public const string Rule = "may not hold NUL (U+0000) or a lone UTF-16 surrogate";

    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++; // a pair: one character beyond U+FFFF
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }
}
