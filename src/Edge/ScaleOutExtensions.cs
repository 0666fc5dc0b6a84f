using Chat.Edge.Bus;
using Chat.Edge.Caching;
using Chat.Edge.Observability;
using Chat.Edge.Presence;
using Chat.Edge.Redis;
using Chat.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Chat.Edge;

public static class ScaleOutExtensions
{
    /// <summary>
    /// What the replicas share. With <c>ConnectionStrings:Redis</c>: the Redis bus, presence across
    /// replicas, the shared cache, delivery from the store during outages and recovery after
    /// them, and a <c>/readyz</c> check. Without: one
    /// replica on its own, in-process.
    /// </summary>
    public static IHostApplicationBuilder AddScaleOut(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PresenceOptions>().BindConfiguration(PresenceOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Ttl > o.HeartbeatInterval, "Presence:Ttl must be longer than Presence:HeartbeatInterval")
            .ValidateOnStart();
        var connectionString = builder.Configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<IMessageBus, InProcessMessageBus>();
            services.AddSingleton<IPresence, InProcessPresence>();
            services.AddSingleton<ISharedCache, NoSharedCache>();
            return builder;
        }

        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart()
            .Configure(o => o.ConnectionString = connectionString);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton(sp =>
        {
            var redis = ActivatorUtilities.CreateInstance<RedisConnection>(sp);
            sp.GetRequiredService<EdgeMetrics>().ObserveRedis(() => redis.IsConnected);
            return redis;
        });
        services.AddSingleton<RedisFailureLog>();
        services.AddSingleton<RedisMessageBus>();
        services.AddSingleton<IMessageBus>(sp => sp.GetRequiredService<RedisMessageBus>());
        services.AddSingleton<RedisPresence>();
        services.AddSingleton<IPresence>(sp => sp.GetRequiredService<RedisPresence>());
        services.AddOptions<CacheSigningKeyOptions>()
            .Configure<IHostEnvironment, ILoggerFactory>((o, environment, loggers) =>
                o.Key = CacheSigningKey.Load(builder.Configuration, environment, loggers.CreateLogger(typeof(CacheSigningKey))))
            .ValidateOnStart();
        services.AddSingleton(sp => new CacheEntrySeal(sp.GetRequiredService<IOptions<CacheSigningKeyOptions>>().Value.Key));
        services.AddSingleton<ISharedCache, RedisSharedCache>();
        services.AddHostedService<PresenceHeartbeat>();
        services.AddHostedService<RedisBusRecovery>();
        services.AddHostedService<OutageDelivery>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }
}
