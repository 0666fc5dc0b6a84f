using Chat.Contracts;
using Chat.UserService.Sessions;
using Microsoft.EntityFrameworkCore;

namespace Chat.UserService.Accounts;

public sealed class UsersDbContext(DbContextOptions<UsersDbContext> options) : DbContext(options)
{
    public DbSet<UserAccount> Users => Set<UserAccount>();

    public DbSet<UserSession> Sessions => Set<UserSession>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

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
        modelBuilder.Entity<UserSession>(session =>
        {
            session.ToTable("sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.Id).HasColumnName("id");
            session.Property(s => s.UserId).HasColumnName("user_id");
            session.Property(s => s.Device).HasColumnName("device").HasMaxLength(SessionLifetimeOptions.MaxDeviceLength);
            session.Property(s => s.CreatedAt).HasColumnName("created_at");
            session.Property(s => s.LastUsedAt).HasColumnName("last_used_at");
            session.Property(s => s.EndedAt).HasColumnName("ended_at");
            session.HasOne<UserAccount>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
            session.HasIndex(s => s.UserId).HasDatabaseName("ix_sessions_user_id");
        });
        modelBuilder.Entity<RefreshToken>(token =>
        {
            token.ToTable("refresh_tokens");
            token.HasKey(t => t.Hash);
            token.Property(t => t.Hash).HasColumnName("hash");
            token.Property(t => t.SessionId).HasColumnName("session_id");
            token.Property(t => t.IssuedAt).HasColumnName("issued_at");
            token.Property(t => t.RotatedAt).HasColumnName("rotated_at");
            token.HasOne<UserSession>().WithMany().HasForeignKey(t => t.SessionId).OnDelete(DeleteBehavior.Cascade);
            token.HasIndex(t => t.SessionId).HasDatabaseName("ix_refresh_tokens_session_id");
        });
    }
}
