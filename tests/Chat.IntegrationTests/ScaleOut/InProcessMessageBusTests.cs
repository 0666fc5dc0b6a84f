using Chat.Edge.Bus;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The bus contract for a single Edge: one replica, so every replica is this one.</summary>
public sealed class InProcessMessageBusTests : MessageBusContract
{
    private readonly BusReplica _only;

    public InProcessMessageBusTests()
    {
        var delivery = new RecordingDelivery();
        _only = new BusReplica(new InProcessMessageBus(delivery, UnobservedMetrics.Edge()), delivery);
    }

    protected override Task<BusReplica> StartReplicaAsync() => Task.FromResult(_only);
}
