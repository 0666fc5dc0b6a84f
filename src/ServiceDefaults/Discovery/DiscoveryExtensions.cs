using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Chat.ServiceDefaults.Discovery;

public static class DiscoveryExtensions
{
    /// <summary>
    /// Registers this service in Consul under <paramref name="defaultName"/> (overridable by
    /// <c>Consul:ServiceName</c>) with the given health check. Does nothing without <c>Consul:Address</c>.
    /// </summary>
    public static IHostApplicationBuilder AddConsulRegistration(this IHostApplicationBuilder builder, string defaultName, ConsulCheckKind check)
    {
        builder.AddConsulClient();
        builder.Services.PostConfigure<ConsulOptions>(o => o.ServiceName ??= defaultName);
        if (builder.Configuration.GetSection(ConsulOptions.Section)["Address"] is { Length: > 0 })
        {
            builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ConsulRegistration>(sp, check));
        }
        return builder;
    }

    /// <summary>
    /// Lets every gRPC client from the client factory use <c>consul://SERVICE</c> addresses, balanced
    /// round-robin over the healthy instances. Fixed <c>http://</c> addresses keep working as before.
    /// </summary>
    public static IHostApplicationBuilder AddConsulDiscovery(this IHostApplicationBuilder builder)
    {
        builder.AddConsulClient();
        builder.Services.TryAddSingleton<DiscoveryMetrics>();
        builder.Services.AddSingleton<ResolverFactory, ConsulResolverFactory>();
        builder.Services.ConfigureAll<GrpcClientFactoryOptions>(o => o.ChannelOptionsActions.Add(channel =>
        {
            // consul:// is not http://: say that the channel speaks plaintext HTTP/2 (h2c).
            channel.Credentials = ChannelCredentials.Insecure;
            // The service config may already hold the retry policy (InternalGrpcClients): added to, not replaced.
            channel.ServiceConfig ??= new ServiceConfig();
            if (channel.ServiceConfig.LoadBalancingConfigs.Count == 0)
            {
                channel.ServiceConfig.LoadBalancingConfigs.Add(new RoundRobinConfig());
            }
        }));
        return builder;
    }

    private static void AddConsulClient(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(ConsulClient)))
        {
            return; // registration and discovery share one
        }
        builder.Services.AddOptions<ConsulOptions>().BindConfiguration(ConsulOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => new ConsulClient(
            new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, // blocking queries outlast any default timeout
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConsulOptions>>()));
    }
}
