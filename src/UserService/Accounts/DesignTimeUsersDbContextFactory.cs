using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Chat.UserService.Accounts;

/// <summary>
/// Lets `dotnet ef migrations add` build the model without starting the service (no database is
/// contacted to add a migration).
/// </summary>
public sealed class DesignTimeUsersDbContextFactory : IDesignTimeDbContextFactory<UsersDbContext>
{
    public UsersDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<UsersDbContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
