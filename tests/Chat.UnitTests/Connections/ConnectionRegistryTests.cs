using System.Diagnostics.Metrics;
using Chat.Edge.Auth;
using Chat.Edge.Connections;
using Chat.Edge.Observability;
using Chat.Edge.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.UnitTests.Connections;

public sealed class ConnectionRegistryTests : IDisposable
{
    private readonly InMemoryWebSockets _sockets = new();
    private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly TokenDeadlines _deadlines = new(TimeProvider.System);
    private readonly ConnectionServices _services;

    public ConnectionRegistryTests()
    {
        // A connection that is only added and removed never runs: it sends, reads and checks
        // tokens through none of the message path's services, so they are left out.
        _services = new ConnectionServices(
            Options.Create(new RealtimeOptions()),
            new ClientFrameParser(),
            sender: null!,
            signals: null!,
            inbox: null!,
            deliveryMarks: null!,
            new EdgeMetrics(_provider.GetRequiredService<IMeterFactory>()),
            authenticator: null!,
            TimeProvider.System,
            _deadlines,
            NullLoggerFactory.Instance);
    }

    public void Dispose()
    {
        _provider.Dispose();
        _sockets.Dispose();
        _deadlines.Dispose();
    }

    private ChatConnection Connection(string user) =>
        new(_sockets.Server, new AuthenticatedUser($"id-{user}", user, DateTime.UtcNow.AddHours(1), $"session-{user}"), "", _services);

    [Fact]
    public void The_connection_count_follows_every_add_and_remove()
    {
        var registry = new ConnectionRegistry();
        var amyPhone = Connection("amy");
        var amyLaptop = Connection("amy");
        var bob = Connection("bob");

        Assert.True(registry.Add(amyPhone));
        Assert.False(registry.Add(amyLaptop));
        Assert.True(registry.Add(bob));
        Assert.Equal(3, registry.ConnectionCount);
        Assert.Equal(2, registry.UserCount);

        Assert.False(registry.Remove(amyPhone));
        Assert.False(registry.Remove(amyPhone)); // removed already: counted once
        Assert.Equal(2, registry.ConnectionCount);

        Assert.True(registry.Remove(amyLaptop));
        Assert.True(registry.Remove(bob));
        Assert.Equal(0, registry.ConnectionCount);
        Assert.Equal(0, registry.UserCount);
    }

    [Fact]
    public async Task Adds_and_removes_from_many_threads_leave_the_count_exact()
    {
        var registry = new ConnectionRegistry();
        var connections = Enumerable.Range(0, 400).Select(i => Connection($"user{i % 7}")).ToArray();

        await Task.WhenAll(connections.Select(c => Task.Run(() => registry.Add(c))));
        Assert.Equal(400, registry.ConnectionCount);

        await Task.WhenAll(connections.Where((_, i) => i % 2 == 0).Select(c => Task.Run(() => registry.Remove(c))));
        Assert.Equal(200, registry.ConnectionCount);
        Assert.Equal(registry.Connections.Count, registry.ConnectionCount);
    }
}
