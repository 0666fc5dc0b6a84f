using Chat.Edge.Presence;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The presence contract for a single Edge (no Redis): one replica, whose own connections are the whole truth.</summary>
public sealed class InProcessPresenceTests : PresenceContract
{
    private readonly PresenceReplica _only;

    public InProcessPresenceTests()
    {
        var local = new LocalConnections();
        _only = new PresenceReplica(new InProcessPresence(local), local);
    }

    protected override Task<PresenceReplica> StartReplicaAsync() => Task.FromResult(_only);
}
