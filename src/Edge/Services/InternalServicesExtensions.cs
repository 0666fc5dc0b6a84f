using Chat.Contracts.Chat.V1;
using Chat.Contracts.User.V1;
using Chat.ServiceDefaults;
using Grpc.Health.V1;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chat.Edge.Services;

/// <summary>
/// The gRPC clients of the internal services, made by Grpc.Net.ClientFactory at the addresses
/// configuration gives, and the readiness checks that ask each service's grpc.health.v1.
/// </summary>
public static class InternalServicesExtensions
{
    private const string UserHealth = "user-service-health";
    private const string ChatHealth = "chat-service-health";

    public static IHostApplicationBuilder AddInternalServices(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ServiceCallOptions.Section).Get<ServiceCallOptions>() ?? new ServiceCallOptions();
        var users = Address(options.UserService, "Services:UserService");
        var chat = Address(options.ChatService, "Services:ChatService");
        builder.Services.AddOptions<ServiceCallOptions>().BindConfiguration(ServiceCallOptions.Section);
        // RemoveAllLoggers: HttpClientFactory would log four Information lines for every call
        // (start and end, twice): at a few thousand messages a second that was a tenth of the
        // Edge's CPU (docs/benchmarks.md). Failed calls are logged where they are handled.
        builder.Services.AddGrpcClient<UserService.UserServiceClient>(o => o.Address = users).ConfigureChannel(QuickReconnect).RemoveAllLoggers();
        builder.Services.AddGrpcClient<ChatService.ChatServiceClient>(o => o.Address = chat).ConfigureChannel(QuickReconnect).RemoveAllLoggers();
        builder.Services.AddGrpcClient<Health.HealthClient>(UserHealth, o => o.Address = users).ConfigureChannel(QuickReconnect).RemoveAllLoggers();
        builder.Services.AddGrpcClient<Health.HealthClient>(ChatHealth, o => o.Address = chat).ConfigureChannel(QuickReconnect).RemoveAllLoggers();
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration("user-service", sp => new GrpcHealthCheck(sp.GetRequiredService<GrpcClientFactory>().CreateClient<Health.HealthClient>(UserHealth)), HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag]))
            .Add(new HealthCheckRegistration("chat-service", sp => new GrpcHealthCheck(sp.GetRequiredService<GrpcClientFactory>().CreateClient<Health.HealthClient>(ChatHealth)), HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag]));
        return builder;
    }

    /// <summary>
    /// A service that restarts is back within seconds; gRPC's default reconnect backoff (up to two
    /// minutes) would keep the Edge answering "unavailable" long after it returned. The cap keeps
    /// readiness within 2 s of the service's return (jitter adds up to a fifth of it), and costs
    /// one refused connection attempt per channel every half second while the service is away.
    /// </summary>
    private static void QuickReconnect(Grpc.Net.Client.GrpcChannelOptions channel)
    {
        channel.InitialReconnectBackoff = TimeSpan.FromMilliseconds(200);
        channel.MaxReconnectBackoff = TimeSpan.FromMilliseconds(500);
    }

    private static Uri Address(string? value, string key) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"{key} must be the service's gRPC address (http://host:port or consul://name); it is '{value}'.");

    /// <summary>Ready while the service answers its gRPC health check as serving, within two seconds.</summary>
    private sealed class GrpcHealthCheck(Health.HealthClient health) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                return answer.Status == HealthCheckResponse.Types.ServingStatus.Serving
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"answers {answer.Status}");
            }
            catch (Grpc.Core.RpcException e)
            {
                return HealthCheckResult.Unhealthy($"unreachable: {e.StatusCode}");
            }
        }
    }
}
