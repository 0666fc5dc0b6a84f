using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Chat.Edge.Caching;

/// <summary>
/// Authenticates what the Edges put in the shared cache. Redis is a trust boundary: whoever can
/// write to it could otherwise plant a token verdict ("this string is alice's token") and log in
/// as anyone. Each entry carries an HMAC-SHA256, under a key only the Edges hold, over its area,
/// key, absolute expiry and value; an entry whose MAC does not match (forged, altered, moved to
/// another key) or whose sealed expiry has passed (a TTL extended behind our back) is not opened.
/// </summary>
public sealed class CacheEntrySeal(byte[] key)
{
    private const string Version = "s1";

    /// <summary>Shortest key accepted: the HMAC's own output size.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>The stored form: <c>s1.MAC.EXPIRES_UNIX_MS.VALUE</c>.</summary>
    public string Seal(string area, string entryKey, string value, DateTimeOffset expires)
    {
        var expiresMs = expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return $"{Version}.{Mac(area, entryKey, expiresMs, value)}.{expiresMs}.{value}";
    }

    /// <summary>
    /// Opens a stored entry: <see cref="SealCheck.Valid"/> with its value and sealed expiry;
    /// <see cref="SealCheck.Expired"/> for a genuine entry past its time; <see cref="SealCheck.Forged"/>
    /// for anything this Edge's key did not seal for this area and key.
    /// </summary>
    public SealCheck Open(string area, string entryKey, string stored, DateTimeOffset now, out string value, out DateTimeOffset expires)
    {
        value = "";
        expires = default;
        var parts = stored.Split('.', 4);
        if (parts is not [Version, var mac, var expiresMs, var sealedValue]
            || !long.TryParse(expiresMs, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(mac), Encoding.ASCII.GetBytes(Mac(area, entryKey, expiresMs, sealedValue))))
        {
            return SealCheck.Forged;
        }
        expires = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        value = sealedValue;
        return expires > now ? SealCheck.Valid : SealCheck.Expired;
    }

    private string Mac(string area, string entryKey, string expiresMs, string value)
    {
        // Length-prefixed fields: no two different (area, key, expiry, value) give the same input.
        var input = string.Create(CultureInfo.InvariantCulture,
            $"{area.Length}:{area}|{entryKey.Length}:{entryKey}|{expiresMs}|{value}");
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(input)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

public enum SealCheck
{
    Valid,
    Expired,
    Forged,
}
