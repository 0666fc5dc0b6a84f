using Chat.Contracts.Chat.V1;
using Chat.Contracts.User.V1;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Grpc;
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
        builder.Services.AddInternalGrpcClient<UserService.UserServiceClient>(InternalService.UserService);
        builder.Services.AddInternalGrpcClient<ChatService.ChatServiceClient>(InternalService.ChatService);
        builder.Services.AddInternalGrpcClient<Health.HealthClient>(InternalService.UserService, UserHealth);
        builder.Services.AddInternalGrpcClient<Health.HealthClient>(InternalService.ChatService, ChatHealth);
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration("user-service", sp => new GrpcHealthCheck(sp.GetRequiredService<GrpcClientFactory>().CreateClient<Health.HealthClient>(UserHealth)), HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag]))
            .Add(new HealthCheckRegistration("chat-service", sp => new GrpcHealthCheck(sp.GetRequiredService<GrpcClientFactory>().CreateClient<Health.HealthClient>(ChatHealth)), HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag]));
        return builder;
    }

    /// <summary>
    /// Ready while the service answers its gRPC health check as serving, within <see cref="CheckTimeout"/>:
    /// its own bound rather than the calls' (<see cref="ServiceCallOptions.CallTimeout"/>), because
    /// readiness must turn within 2 s of the service's return or loss (PROTOCOL.md) however long
    /// other calls may take.
    /// </summary>
    private sealed class GrpcHealthCheck(Health.HealthClient health) : IHealthCheck
    {
        private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + CheckTimeout, cancellationToken: cancellationToken);
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
