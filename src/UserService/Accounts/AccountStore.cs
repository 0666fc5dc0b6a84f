using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Chat.UserService.Accounts;

/// <summary>Creating accounts, checking passwords, finding users.</summary>
public sealed class AccountStore(UsersDbContext db, PasswordHashing hashing, TimeProvider clock)
{
    // Hashed once, verified against when the username is unknown, so that an unknown user costs
    // the same time as a wrong password and timing does not reveal which usernames exist.
    private static readonly Lazy<string> DecoyHash = new(() =>
        new PasswordHasher<UserAccount>().HashPassword(null!, Guid.NewGuid().ToString()));

    /// <summary>The new account, or null when the username is taken.</summary>
    public async Task<UserAccount?> RegisterAsync(string username, string password, CancellationToken cancellationToken)
    {
        var account = new UserAccount
        {
            Id = Guid.NewGuid(),
            Username = username,
            PasswordHash = "",
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        account.PasswordHash = await hashing.HashAsync(account, password, cancellationToken);
        db.Users.Add(account);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return account;
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return null; // the unique index decided: no check-then-insert race
        }
    }

    /// <summary>The account when the password is right; null for a wrong password or unknown user alike.</summary>
    public async Task<UserAccount?> VerifyAsync(string username, string password, CancellationToken cancellationToken)
    {
        var account = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Username == username, cancellationToken);
        if (account is null)
        {
            await hashing.VerifyAsync(null, DecoyHash.Value, password, cancellationToken);
            return null;
        }
        var result = await hashing.VerifyAsync(account, account.PasswordHash, password, cancellationToken);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var rehashed = await hashing.HashAsync(account, password, cancellationToken);
            await db.Users.Where(u => u.Id == account.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, rehashed), cancellationToken);
        }
        return result == PasswordVerificationResult.Failed ? null : account;
    }

    /// <summary>
    /// Sets a new password when <paramref name="oldPassword"/> is right (checked as at login);
    /// false when it is wrong or the user is unknown.
    /// </summary>
    public async Task<bool> ChangePasswordAsync(string username, string oldPassword, string newPassword, CancellationToken cancellationToken)
    {
        if (await VerifyAsync(username, oldPassword, cancellationToken) is not { } account)
        {
            return false;
        }
        var hash = await hashing.HashAsync(account, newPassword, cancellationToken);
        await db.Users.Where(u => u.Id == account.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, hash), cancellationToken);
        return true;
    }

    public Task<UserAccount?> FindByIdAsync(Guid id, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);

    public async Task<List<UserAccount>> FindAsync(IReadOnlyCollection<string> usernames, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => usernames.Contains(u.Username)).ToListAsync(cancellationToken);
}
