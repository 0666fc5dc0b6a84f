using Chat.IntegrationTests.Infrastructure;
using Chat.UserService.Accounts;
using Chat.UserService.Sessions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.Users;

/// <summary>
/// The refresh lifetime slides: a refresh token works for 30 days after the session's last use,
/// not after its creation. The stores on a real, migrated Postgres; the clock is the test's.
/// </summary>
public sealed class SessionLifetimeTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    [Fact]
    public async Task A_session_used_within_its_lifetime_lives_on_and_one_left_unused_for_longer_ends()
    {
        var clock = new SettableClock(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        await using var db = new UsersDbContext(new DbContextOptionsBuilder<UsersDbContext>()
            .UseNpgsql(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("sessions")).Options);
        await db.Database.MigrateAsync();
        using var hashing = new PasswordHashing();
        var account = await new AccountStore(db, hashing, clock).RegisterAsync("lifetime", "correct horse battery", CancellationToken.None);
        var sessions = new SessionStore(db, Options.Create(new SessionLifetimeOptions { RefreshLifetime = Lifetime }), clock);
        var (used, usedToken) = await sessions.StartAsync(account!.Id, "used", CancellationToken.None);
        var (_, idleToken) = await sessions.StartAsync(account.Id, "idle", CancellationToken.None);

        // 25 days, a refresh, 25 more: 50 days old, but used 25 days ago.
        clock.Advance(TimeSpan.FromDays(25));
        var first = await sessions.RotateAsync(usedToken, CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(25));
        var second = await sessions.RotateAsync(first.RefreshToken!, CancellationToken.None);
        var idle = await sessions.RotateAsync(idleToken, CancellationToken.None);
        var listed = await sessions.ListAsync(account.Id, CancellationToken.None);
        clock.Advance(Lifetime);
        var tooLate = await sessions.RotateAsync(second.RefreshToken!, CancellationToken.None);

        Assert.NotNull(second.RefreshToken);
        Assert.Null(idle.Session); // 50 days unused
        Assert.False(idle.WasReuse);
        Assert.Equal([used.Id], listed.Select(s => s.Id)); // the idle one is not offered any more
        Assert.Null(tooLate.RefreshToken);
        Assert.False(tooLate.WasReuse);
    }
}
