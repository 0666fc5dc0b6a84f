using System.Globalization;

namespace Chat.Contracts;

/// <summary>
/// Message ids on the wire: a 64-bit number written as 20 decimal digits, so that ordinal string
/// comparison orders them ("00…9" before "00…10"). Zero means "none" and is written as "".
/// </summary>
public static class MessageId
{
    public const int Width = 20;

    public static string Format(long id) =>
        id == 0 ? "" : id.ToString("D20", CultureInfo.InvariantCulture);

    /// <summary>Parses a cursor; "" is 0 (before everything). Digits only, at most 20 of them.</summary>
    public static bool TryParse(string text, out long id)
    {
        id = 0;
        if (text.Length == 0)
        {
            return true;
        }
        if (text.Length > Width || !text.All(char.IsAsciiDigit))
        {
            return false;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }
}
