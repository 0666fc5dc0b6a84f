using Chat.Contracts;
using Microsoft.EntityFrameworkCore;

namespace Chat.UserService.Accounts;

public sealed class UsersDbContext(DbContextOptions<UsersDbContext> options) : DbContext(options)
{
    public DbSet<UserAccount> Users => Set<UserAccount>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserAccount>(user =>
        {
            user.ToTable("users", t =>
                // Case-insensitive uniqueness is the unique index on a column that can only hold
                // lower case: "Alice" and "alice" cannot both get in, whatever the code does.
                t.HasCheckConstraint("ck_users_username_lower_case", "username = lower(username)"));
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasColumnName("id");
            user.Property(u => u.Username).HasColumnName("username").HasMaxLength(UsernameRules.MaxLength);
            user.Property(u => u.PasswordHash).HasColumnName("password_hash");
            user.Property(u => u.CreatedAt).HasColumnName("created_at");
            user.HasIndex(u => u.Username).IsUnique().HasDatabaseName("ux_users_username");
        });
    }
}
