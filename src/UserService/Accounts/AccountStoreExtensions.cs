using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Postgres;
using Chat.UserService.Sessions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chat.UserService.Accounts;

public static partial class AccountStoreExtensions
{
    private static readonly TimeSpan MigrationPatience = TimeSpan.FromSeconds(60);
    private const int MaxPostgresConnections = 30;

    /// <summary>Users and their sessions in PostgreSQL (<c>ConnectionStrings:Users</c>), PBKDF2 password hashes, a readiness check.</summary>
    public static IHostApplicationBuilder AddAccountStore(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Users")
            ?? throw new StartupException("ConnectionStrings:Users is not set: UserService needs a PostgreSQL connection string (env ConnectionStrings__Users).");
        builder.Services.AddDbContext<UsersDbContext>(o => o.UseNpgsql(ConnectionStringDefaults.Apply(connectionString, MaxPostgresConnections)));
        builder.Services.AddSingleton<PasswordHashing>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<AccountStore>();
        builder.Services.AddOptions<SessionLifetimeOptions>().BindConfiguration(SessionLifetimeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<SessionStore>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("postgres", tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Applies the EF Core migrations before the service takes calls, waiting for Postgres to come
    /// up (in compose it may start after us).
    /// </summary>
    public static async Task MigrateAccountStoreAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Chat.UserService.Migrations");
        var giveUpAt = DateTime.UtcNow + MigrationPatience;
        while (true)
        {
            try
            {
                await using var scope = app.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<UsersDbContext>().Database.MigrateAsync();
                LogMigrated(logger);
                return;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException && DateTime.UtcNow < giveUpAt)
            {
                LogWaiting(logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "User database is up to date")]
    private static partial void LogMigrated(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Waiting for the user database: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);

    private sealed class DatabaseHealthCheck(UsersDbContext db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("PostgreSQL is unreachable");
    }
}
