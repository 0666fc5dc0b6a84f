using Chat.Edge.Observability;

namespace Chat.Edge.Bus;

/// <summary>
/// The bus of a single Edge: every user is local, so publishing is delivering. Used when no
/// Redis is configured.
/// </summary>
public sealed class InProcessMessageBus(ILocalDelivery delivery, EdgeMetrics metrics) : IMessageBus
{
    /// <summary>The bus's <c>messaging.system</c> in metrics.</summary>
    public const string MessagingSystem = "in_process";

    public Task PublishAsync(string user, BusEvent busEvent, CancellationToken cancellationToken)
    {
        delivery.Deliver(user, busEvent);
        metrics.Published(MessagingSystem, errorType: null);
        return Task.CompletedTask;
    }

    public Task SubscribeAsync(string user) => Task.CompletedTask;

    public Task UnsubscribeAsync(string user) => Task.CompletedTask;
}
