using Chat.ServiceDefaults.Discovery;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.Discovery;

/// <summary>
/// The client against a real Consul agent, where there is one: CHAT_TEST_CONSUL (the compose
/// `test` profile sets it to the compose network's agent). Skipped, and reported so, elsewhere.
/// </summary>
public sealed class RealConsulTests
{
    private static ConsulClient? Client()
    {
        var address = Environment.GetEnvironmentVariable("CHAT_TEST_CONSUL");
        Skip.If(string.IsNullOrEmpty(address), "CHAT_TEST_CONSUL is not set: no Consul agent here (run `docker compose --profile test run --rm tests`)");
        return new ConsulClient(new HttpClient(), Options.Create(new ConsulOptions { Address = new Uri(address!), Token = Environment.GetEnvironmentVariable("CHAT_TEST_CONSUL_TOKEN") }));
    }

    [SkippableFact]
    public async Task Register_blocking_query_and_deregister_against_a_real_agent()
    {
        var client = Client()!;
        var name = $"chat-test-{Guid.NewGuid():N}"[..24];
        var (before, index) = await client.HealthyInstancesAsync(name, 0, TimeSpan.Zero, CancellationToken.None);
        Assert.Empty(before);

        var waiting = client.HealthyInstancesAsync(name, Math.Max(index, 1), TimeSpan.FromSeconds(20), CancellationToken.None);
        await client.RegisterAsync(new ServiceRegistration($"{name}-1", name, "127.0.0.1", 1234,
            new HealthCheckDefinition { Http = "http://127.0.0.1:1/", Interval = "1s", Timeout = "1s", DeregisterCriticalServiceAfter = "1m" }), CancellationToken.None);
        var (_, woke) = await waiting.WaitAsync(TimeSpan.FromSeconds(25));
        Assert.NotEqual(index, woke);
        Assert.NotNull(await client.GetServiceAsync($"{name}-1", CancellationToken.None));

        // Its check fails (nothing listens on port 1): it is not among the passing instances.
        var (passing, _) = await client.HealthyInstancesAsync(name, 0, TimeSpan.Zero, CancellationToken.None);
        Assert.Empty(passing);

        await client.DeregisterAsync($"{name}-1", CancellationToken.None);
        Assert.Null(await client.GetServiceAsync($"{name}-1", CancellationToken.None));
    }
}
