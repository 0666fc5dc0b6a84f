using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chat.ServiceDefaults.Grpc;

/// <summary>
/// The one way a service makes a gRPC client of another: the same address setting, reconnect,
/// logging, default deadline and retries for every client of every service.
/// </summary>
public static class InternalGrpcClients
{
    /// <summary>
    /// A client of <paramref name="service"/> at its <c>Services:*</c> address (named, when one
    /// service needs two clients of the same type; checked at start). A call that sets no deadline
    /// gets <see cref="ServiceCallOptions.CallTimeout"/>; calls of idempotent methods are retried
    /// within it (<see cref="IdempotentRetries"/>).
    /// </summary>
    public static IHttpClientBuilder AddInternalGrpcClient<TClient>(this IServiceCollection services, InternalService service, string? name = null)
        where TClient : class
    {
        services.AddServiceCallOptions().Add(service);
        var client = name is null
            ? services.AddGrpcClient<TClient>((sp, o) => Configure(sp, o, service))
            : services.AddGrpcClient<TClient>(name, (sp, o) => Configure(sp, o, service));
        // RemoveAllLoggers: HttpClientFactory would log four Information lines for every call
        // (start and end, twice): at a few thousand messages a second that was a tenth of the
        // Edge's CPU (docs/benchmarks.md). Failed calls are logged where they are handled.
        return client.ConfigureChannel(Channel).RemoveAllLoggers();
    }

    /// <summary>
    /// The <c>Services</c> section, bound and validated at start, once however many clients are
    /// added; the addresses checked are those of the services this one has clients of.
    /// </summary>
    private static NeededAddresses AddServiceCallOptions(this IServiceCollection services)
    {
        if (services.Where(d => !d.IsKeyedService).Select(d => d.ImplementationInstance).OfType<NeededAddresses>().FirstOrDefault() is { } added)
        {
            return added;
        }
        var needed = new NeededAddresses();
        services.AddSingleton<IValidateOptions<ServiceCallOptions>>(needed);
        services.AddOptions<ServiceCallOptions>().BindConfiguration(ServiceCallOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return needed;
    }

    private static void Configure(IServiceProvider provider, GrpcClientFactoryOptions options, InternalService service)
    {
        var calls = provider.GetRequiredService<IOptions<ServiceCallOptions>>().Value;
        options.Address = calls.AddressOf(service);
        var timeout = calls.CallTimeout;
        options.CallOptionsActions.Add(call =>
        {
            if (call.CallOptions.Deadline is null)
            {
                call.CallOptions = call.CallOptions.WithDeadline(DateTime.UtcNow + timeout);
            }
        });
    }

    private static void Channel(GrpcChannelOptions channel)
    {
        QuickReconnect(channel);
        channel.ServiceConfig ??= new ServiceConfig();
        channel.ServiceConfig.MethodConfigs.Add(IdempotentRetries.MethodConfig());
    }

    /// <summary>
    /// A service that restarts is back within seconds; gRPC's default reconnect backoff (up to two
    /// minutes) would keep the caller answering "unavailable" long after it returned. The cap keeps
    /// the Edge's readiness within 2 s of the service's return (jitter adds up to a fifth of it),
    /// and costs one refused connection attempt per channel every half second while it is away.
    /// </summary>
    private static void QuickReconnect(GrpcChannelOptions channel)
    {
        channel.InitialReconnectBackoff = TimeSpan.FromMilliseconds(200);
        channel.MaxReconnectBackoff = TimeSpan.FromMilliseconds(500);
    }

    /// <summary>Each service this one calls must have an address: a rule across the section, so not an attribute.</summary>
    private sealed class NeededAddresses : IValidateOptions<ServiceCallOptions>
    {
        private readonly HashSet<InternalService> _services = [];

        public void Add(InternalService service) => _services.Add(service);

        public ValidateOptionsResult Validate(string? name, ServiceCallOptions options)
        {
            var failures = _services.Order()
                .Where(service => options.AddressOf(service) is null)
                .Select(service => $"{ServiceCallOptions.Section}:{service} must be the service's gRPC address (http://host:port or consul://name); it is '{options.Setting(service)}'")
                .ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
