using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chat.Edge.Redis;

/// <summary>
/// Part of <c>/readyz</c>. Without Redis a replica still serves its own connections and stores
/// every message, so it stays ready (200) but says <c>Degraded</c>: a load balancer keeps sending
/// it users, an operator sees why cross-replica delivery is slower (<c>Bus.OutageDelivery</c>).
/// </summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.IsConnected
            ? HealthCheckResult.Healthy("Redis reachable")
            : HealthCheckResult.Degraded("Redis unreachable: messages from other replicas reach this replica's connections from the store, about once a second, not at once"));
}
