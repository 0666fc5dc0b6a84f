using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chat.ChatService.Storage;

/// <summary>Ready while the message store answers (and its schema is in place).</summary>
internal sealed class StoreHealthCheck(IMessageStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (StoreUnavailableException e)
        {
            return HealthCheckResult.Unhealthy("the message store is unavailable", e);
        }
    }
}
