using Chat.ChatService.Storage.Mongo;
using Chat.ChatService.Storage.Postgres;
using Chat.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MongoDB.Driver;
using Npgsql;

namespace Chat.ChatService.Storage;

public static class StorageExtensions
{
    /// <summary>The message store that configuration names, and a readiness check on it.</summary>
    public static IHostApplicationBuilder AddMessageStore(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var mongo = builder.Configuration.GetConnectionString("MongoDb");
        var postgres = builder.Configuration.GetConnectionString("Messages");
        var provider = options.Provider ?? (string.IsNullOrEmpty(mongo) ? "Postgres" : "MongoDb");
        builder.Services.AddSingleton(sp => new MessageIds(options.NodeId ?? Random.Shared.Next(1000), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(TimeProvider.System);
        switch (provider.ToLowerInvariant())
        {
            case "mongodb":
                if (string.IsNullOrEmpty(mongo))
                {
                    throw new InvalidOperationException("Storage:Provider is MongoDb but ConnectionStrings:MongoDb is not set.");
                }
                var url = MongoUrl.Create(mongo);
                builder.Services.AddSingleton<IMongoClient>(new MongoClient(url));
                builder.Services.AddSingleton<IMessageStore>(sp => new MongoMessageStore(
                    sp.GetRequiredService<IMongoClient>(), url.DatabaseName ?? "chat", sp.GetRequiredService<MessageIds>(), sp.GetRequiredService<ILogger<MongoMessageStore>>()));
                break;
            case "postgres":
                if (string.IsNullOrEmpty(postgres))
                {
                    throw new InvalidOperationException("No message store configured: set ConnectionStrings:Messages (PostgreSQL) or ConnectionStrings:MongoDb.");
                }
                builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
                builder.Services.AddSingleton<IMessageStore, PostgresMessageStore>();
                break;
            default:
                throw new InvalidOperationException($"Storage:Provider must be MongoDb or Postgres, not '{provider}'.");
        }
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("message-store", tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>Prepares the store before the service takes calls.</summary>
    public static Task InitializeMessageStoreAsync(this WebApplication app) =>
        app.Services.GetRequiredService<IMessageStore>().InitializeAsync(app.Lifetime.ApplicationStopping);

    private sealed class StoreHealthCheck(IMessageStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await store.PingAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the message store does not answer");
    }
}
