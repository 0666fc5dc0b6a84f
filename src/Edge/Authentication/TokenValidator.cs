using System.Security.Cryptography;
using System.Text;
using Chat.Contracts.User.V1;
using Grpc.Core;
using Microsoft.Extensions.Caching.Memory;

namespace Chat.Edge.Authentication;

/// <summary>
/// Checks bearer tokens with UserService.ValidateToken and caches the answer, so a chat burst is
/// not an RPC per frame. A valid answer is cached until shortly before the token expires (never
/// past it); an invalid one briefly, so a flood of forged tokens does not become a flood of RPCs.
/// </summary>
public sealed partial class TokenValidator(UserService.UserServiceClient users, IMemoryCache cache, ILogger<TokenValidator> logger)
{
    /// <summary>Longer tokens are refused without asking UserService.</summary>
    public const int MaxTokenLength = 8 * 1024;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ValidCachedAtMost = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan InvalidCachedFor = TimeSpan.FromSeconds(30);

    public async ValueTask<TokenCheck> ValidateAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > MaxTokenLength)
        {
            return TokenCheck.Invalid;
        }
        // Keyed by a hash: the cache never holds tokens themselves.
        var key = (typeof(TokenValidator), Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))));
        if (cache.TryGetValue(key, out TokenCheck? cached) && cached is not null && (cached.User is null || cached.User.ExpiresAt > DateTime.UtcNow))
        {
            return cached;
        }
        TokenCheck check;
        try
        {
            var answer = await users.ValidateTokenAsync(
                new ValidateTokenRequest { Token = token },
                deadline: DateTime.UtcNow + CallTimeout,
                cancellationToken: cancellationToken);
            check = new TokenCheck(new AuthenticatedUser(answer.UserId, answer.Username, answer.ExpiresAt.ToDateTime()), Unavailable: false);
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
        var cachedFor = check.User is { } user
            ? Min(user.ExpiresAt - DateTime.UtcNow - ExpiryMargin, ValidCachedAtMost)
            : InvalidCachedFor;
        if (cachedFor > TimeSpan.Zero)
        {
            cache.Set(key, check, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = cachedFor, Size = 1 });
        }
        return check;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Token validation unavailable: UserService answered {Status}")]
    private static partial void LogUnavailable(ILogger logger, StatusCode status);
}

/// <summary>A user proven by a valid token.</summary>
public sealed record AuthenticatedUser(string Id, string Username, DateTime ExpiresAt);

/// <summary>The outcome of checking a token: a user, invalid, or unknown because UserService is down.</summary>
public sealed record TokenCheck(AuthenticatedUser? User, bool Unavailable)
{
    public static readonly TokenCheck Invalid = new(null, false);
    public static readonly TokenCheck ServiceUnavailable = new(null, true);
}
