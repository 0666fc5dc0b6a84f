using System.Security.Cryptography;
using Chat.UserService.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Chat.UserService.Sessions;

/// <summary>
/// Sessions and their refresh tokens: started at login, rotated at refresh (with reuse detection,
/// as the OAuth 2.0 Security BCP, RFC 9700 §4.14, asks), ended by logout, revocation or a password change.
/// </summary>
public sealed class SessionStore(UsersDbContext db, IOptions<SessionLifetimeOptions> options, TimeProvider clock)
{
    private const int TokenBytes = 32; // 256 bits

    private TimeSpan RefreshLifetime => options.Value.RefreshLifetime;

    /// <summary>A new session for the user and its first refresh token.</summary>
    public async Task<(UserSession Session, string RefreshToken)> StartAsync(Guid userId, string device, CancellationToken cancellationToken)
    {
        var now = Now();
        var session = new UserSession
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            Device = device.Length > SessionLifetimeOptions.MaxDeviceLength ? device[..SessionLifetimeOptions.MaxDeviceLength] : device,
            CreatedAt = now,
            LastUsedAt = now,
        };
        db.Sessions.Add(session);
        var token = NewToken(session.Id, now);
        await db.SaveChangesAsync(cancellationToken);
        return (session, token);
    }

    /// <summary>
    /// Exchanges a refresh token for the next one. A token already exchanged ends its session
    /// (someone else holds a copy: RFC 9700's reuse detection), as does losing a race to a
    /// concurrent exchange of the same token.
    /// </summary>
    public async Task<RotationResult> RotateAsync(string refreshToken, CancellationToken cancellationToken)
    {
        if (!TryHash(refreshToken, out var hash))
        {
            return RotationResult.Invalid;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = await db.RefreshTokens.SingleOrDefaultAsync(t => t.Hash == hash, cancellationToken);
        var session = stored is null ? null : await db.Sessions.SingleOrDefaultAsync(s => s.Id == stored.SessionId, cancellationToken);
        if (stored is null || session is null || session.EndedAt is not null)
        {
            return RotationResult.Invalid;
        }
        var now = Now();
        if (stored.RotatedAt is not null)
        {
            session.EndedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return RotationResult.Reused(session);
        }
        if (session.LastUsedAt + RefreshLifetime <= now)
        {
            return RotationResult.Invalid;
        }
        // The claim is one conditional UPDATE: of two concurrent exchanges, one wins.
        var claimed = await db.RefreshTokens.Where(t => t.Hash == hash && t.RotatedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RotatedAt, now), cancellationToken);
        if (claimed == 0)
        {
            session.EndedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return RotationResult.Reused(session);
        }
        session.LastUsedAt = now;
        var next = NewToken(session.Id, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return RotationResult.Rotated(session, next);
    }

    /// <summary>True while the session exists and has not ended: a token of an ended session is refused.</summary>
    public Task<bool> IsActiveAsync(Guid sessionId, CancellationToken cancellationToken) =>
        db.Sessions.AnyAsync(s => s.Id == sessionId && s.EndedAt == null, cancellationToken);

    /// <summary>Those of <paramref name="sessionIds"/> that are not active: ended, or never started.</summary>
    public async Task<List<Guid>> EndedAmongAsync(IReadOnlyCollection<Guid> sessionIds, CancellationToken cancellationToken)
    {
        var active = await db.Sessions.Where(s => sessionIds.Contains(s.Id) && s.EndedAt == null)
            .Select(s => s.Id).ToListAsync(cancellationToken);
        return [.. sessionIds.Except(active)];
    }

    /// <summary>Ends one session of the user; false when it is not theirs or already ended.</summary>
    public async Task<bool> EndAsync(Guid userId, Guid sessionId, CancellationToken cancellationToken) =>
        await db.Sessions.Where(s => s.Id == sessionId && s.UserId == userId && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, Now()), cancellationToken) > 0;

    /// <summary>Ends every session of the user but <paramref name="keep"/>; returns how many ended.</summary>
    public Task<int> EndOthersAsync(Guid userId, Guid keep, CancellationToken cancellationToken) =>
        db.Sessions.Where(s => s.UserId == userId && s.Id != keep && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, Now()), cancellationToken);

    /// <summary>The user's sessions that have not ended and whose refresh token still works, most recently used first.</summary>
    public async Task<List<UserSession>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var usableSince = Now() - RefreshLifetime;
        return await db.Sessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.EndedAt == null && s.LastUsedAt > usableSince)
            .OrderByDescending(s => s.LastUsedAt)
            .ToListAsync(cancellationToken);
    }

    private string NewToken(Guid sessionId, DateTime now)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(TokenBytes));
        TryHash(token, out var hash);
        db.RefreshTokens.Add(new RefreshToken { Hash = hash, SessionId = sessionId, IssuedAt = now });
        return token;
    }

    /// <summary>Only strings of our tokens' shape are hashed and looked up.</summary>
    private static bool TryHash(string token, out byte[] hash)
    {
        hash = [];
        if (token.Length != 43 || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return false;
        }
        hash = SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token));
        return true;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}

/// <summary>What a refresh came to: a new token, nothing, or a detected reuse that ended the session.</summary>
public sealed record RotationResult(UserSession? Session, string? RefreshToken, bool WasReuse)
{
    public static readonly RotationResult Invalid = new(null, null, false);

    public static RotationResult Rotated(UserSession session, string token) => new(session, token, false);

    public static RotationResult Reused(UserSession session) => new(session, null, true);
}
