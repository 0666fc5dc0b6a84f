using Chat.ChatService.Groups;
using System.Diagnostics.Metrics;
using Chat.ChatService.Grpc;
using Chat.ChatService.Observability;
using Chat.ChatService.Storage;
using Chat.ChatService.Storage.Mongo;
using Chat.ChatService.Storage.Postgres;
using Chat.ChatService.Users;
using Chat.Contracts.User.V1;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Grpc;
using Chat.ServiceDefaults.Postgres;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using Npgsql;

namespace Chat.ChatService.Extensions;

/// <summary>The chat service's parts, as Program.cs names them.</summary>
public static class ChatServiceExtensions
{
    /// <summary>A reachable server is picked within this time, or the call answers Unavailable (unless the URL says otherwise).</summary>
    private static readonly TimeSpan MongoServerSelectionTimeout = TimeSpan.FromSeconds(5);
    private const int MaxPostgresConnections = 40;

    /// <summary>The message store chosen by configuration, its schema applied at start, its readiness reported.</summary>
    public static IHostApplicationBuilder AddMessageStore(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddSingleton(TimeProvider.System);
        var provider = StoreProviderSelection.Choose(configuration);
        var system = provider == StoreProvider.MongoDb ? "mongodb" : "postgresql";
        builder.Services.AddSingleton(sp => new ChatServiceMetrics(sp.GetRequiredService<IMeterFactory>(), system));
        switch (provider)
        {
            case StoreProvider.MongoDb:
                var mongo = Required(configuration, "MongoDb");
                var url = MongoUrl.Create(mongo);
                var settings = MongoClientSettings.FromUrl(url);
                if (!mongo.Contains("serverSelectionTimeoutMS", StringComparison.OrdinalIgnoreCase))
                {
                    settings.ServerSelectionTimeout = MongoServerSelectionTimeout;
                }
                builder.Services.AddSingleton<IMongoClient>(new MongoClient(settings));
                builder.Services.AddSingleton(sp => new MongoCollections(sp.GetRequiredService<IMongoClient>(), url.DatabaseName ?? "chat"));
                builder.Services.AddSingleton<IMessageStore, MongoMessageStore>();
                builder.Services.AddSingleton<IConversationStore, MongoConversationStore>();
                break;
            default:
                var postgres = Required(configuration, "Messages");
                builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(ConnectionStringDefaults.Apply(postgres, MaxPostgresConnections)));
                builder.Services.AddSingleton<PostgresDatabase>();
                builder.Services.AddSingleton<PostgresMessageStore>();
                builder.Services.AddOptions<GroupCommitOptions>().BindConfiguration(GroupCommitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
                builder.Services.AddSingleton<GroupCommitMessageStore>();
                builder.Services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<IOptions<GroupCommitOptions>>().Value.Enabled
                    ? sp.GetRequiredService<GroupCommitMessageStore>()
                    : sp.GetRequiredService<PostgresMessageStore>());
                builder.Services.AddSingleton<IConversationStore, PostgresConversationStore>();
                break;
        }
        builder.Services.AddHostedService<StoreInitializer>();
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("message-store", tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>Store failures mapped to gRPC status codes on every call.</summary>
    public static IHostApplicationBuilder AddChatGrpc(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<global::Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<StoreFailureInterceptor>());
        builder.Services.AddOptions<GroupOptions>().BindConfiguration(GroupOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    /// <summary>UserService, asked whether the users a call names exist (<see cref="UserDirectory"/>).</summary>
    public static IHostApplicationBuilder AddUserDirectory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddInternalGrpcClient<UserService.UserServiceClient>(InternalService.UserService);
        builder.Services.AddSingleton<UserDirectory>();
        return builder;
    }

    public static WebApplication MapChatGrpc(this WebApplication app)
    {
        app.MapGrpcService<ChatGrpcService>();
        return app;
    }

    private static string Required(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new StartupException($"ConnectionStrings:{name} is not set: ChatService needs its store's connection string (env ConnectionStrings__{name}).");
}
