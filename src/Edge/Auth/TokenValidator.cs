using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Chat.Contracts;
using Chat.Contracts.User.V1;
using Chat.Edge.Caching;
using Grpc.Core;
using Microsoft.Extensions.Caching.Memory;

namespace Chat.Edge.Auth;

/// <summary>
/// Checks bearer tokens with UserService.ValidateToken and caches the answer, so a chat burst is
/// not an RPC per frame: in memory, then in the cache the replicas share (Redis), so a user
/// reconnecting to another replica costs no RPC either. A valid answer is cached for at most
/// <see cref="ValidCachedAtMost"/> and never past the token's expiry; an invalid one briefly, so a flood of forged tokens
/// does not become a flood of RPCs. Keys are the tokens' SHA-256: no cache ever holds a token.
/// </summary>
public sealed partial class TokenValidator(UserService.UserServiceClient users, IMemoryCache memory, ISharedCache shared, ILogger<TokenValidator> logger)
{
    /// <summary>
    /// A session that ends (logout, revocation) is refused by UserService at once; a cached "valid"
    /// could keep its token working this much longer, here and on every replica (the shared cache).
    /// </summary>
    public static readonly TimeSpan ValidCachedAtMost = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan InvalidCachedFor = TimeSpan.FromSeconds(30);

    private readonly TieredCache<TokenCheck> _cache = new(memory, shared, "token", Encode, Decode);

    public async ValueTask<TokenCheck> ValidateAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > TokenLimits.MaxTokenLength)
        {
            return TokenCheck.Invalid;
        }
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (await _cache.GetAsync(key) is { } cached && (cached.User is null || cached.User.ExpiresAt > DateTime.UtcNow))
        {
            return cached;
        }
        TokenCheck check;
        try
        {
            var answer = await users.ValidateTokenAsync(
                new ValidateTokenRequest { Token = token },
                cancellationToken: cancellationToken);
            check = new TokenCheck(new AuthenticatedUser(answer.UserId, answer.Username, answer.ExpiresAt.ToDateTime(), answer.SessionId), Unavailable: false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.InvalidArgument)
        {
            check = TokenCheck.Invalid;
        }
        catch (RpcException e)
        {
            LogUnavailable(logger, e.StatusCode);
            return TokenCheck.ServiceUnavailable;
        }
        await _cache.SetAsync(key, check, CacheLifetime(check, DateTime.UtcNow));
        return check;
    }

    /// <summary>How long an answer may be cached: a valid one ends before its token does.</summary>
    public static TimeSpan CacheLifetime(TokenCheck check, DateTime now) => check.User is { } user
        ? Min(user.ExpiresAt - now - ExpiryMargin, ValidCachedAtMost)
        : InvalidCachedFor;

    // The shared cache's spelling of an answer: "-" for invalid, else
    // "v2:EXPIRES_UNIX_MS:SESSION_ID:USERNAME:USER_ID" (session ids and usernames have no ':'; the
    // id, last, may). The shared cache seals it: one read from Redis is trusted only when sealed.
    private static string Encode(TokenCheck check) => check.User is { } user
        ? string.Create(CultureInfo.InvariantCulture, $"v2:{new DateTimeOffset(user.ExpiresAt).ToUnixTimeMilliseconds()}:{user.SessionId}:{user.Username}:{user.Id}")
        : "-";

    private static TokenCheck? Decode(string text)
    {
        if (text == "-")
        {
            return TokenCheck.Invalid;
        }
        var parts = text.Split(':', 5);
        return parts is ["v2", var expires, var session, var username, var id] && long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? new TokenCheck(new AuthenticatedUser(id, username, DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime, session), Unavailable: false)
            : null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Token validation unavailable: UserService answered {Status}")]
    private static partial void LogUnavailable(ILogger logger, StatusCode status);
}
