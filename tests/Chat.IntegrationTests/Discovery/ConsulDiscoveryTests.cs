using Chat.ServiceDefaults.Discovery;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.Discovery;

/// <summary>Our Consul client, registration and consul:// resolver, against the test Consul agent.</summary>
public sealed class ConsulDiscoveryTests
{
    // The [LoggerMessage] event id of ConsulResolver's "Consul unreachable" warning.
    private const int ResolverUnreachable = 961;

    private static ConsulClient ClientFor(TestConsulServer consul, string? token = null) =>
        new(new HttpClient(), Options.Create(new ConsulOptions { Address = consul.Address, Token = token }));

    private static ServiceRegistration Registration(string id, string name, int port, string? http = null, string? grpc = null) =>
        new(id, name, "127.0.0.1", port, new HealthCheckDefinition { Http = http, Grpc = grpc, GrpcUseTls = grpc is null ? null : false, Interval = "200ms", Timeout = "1s", DeregisterCriticalServiceAfter = "1m" });

    [Fact]
    public async Task Register_read_and_deregister_an_instance()
    {
        await using var consul = await TestConsulServer.StartAsync();
        await using var server = await GrpcTestServer.StartAsync();
        var client = ClientFor(consul);

        await client.RegisterAsync(Registration("svc-1", "svc", server.Port, grpc: $"127.0.0.1:{server.Port}"), CancellationToken.None);
        var read = await client.GetServiceAsync("svc-1", CancellationToken.None);
        Assert.Equal(("svc", server.Port), (read!.Service, read.Port));
        Assert.Equal("false", consul.RegistrationOf("svc-1")!["Check"]!["GRPCUseTLS"]!.ToJsonString());

        await Eventually.TrueAsync(() => consul.StatusOf("svc-1") == "passing", "svc-1 passing its check", explain: () => consul.CheckOutputOf("svc-1"));
        var (healthy, _) = await client.HealthyInstancesAsync("svc", 0, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(new ServiceInstance("svc-1", "127.0.0.1", server.Port), Assert.Single(healthy));

        await client.DeregisterAsync("svc-1", CancellationToken.None);
        Assert.Null(await client.GetServiceAsync("svc-1", CancellationToken.None));
        await client.DeregisterAsync("svc-1", CancellationToken.None); // already gone: not an error
    }

    [Fact]
    public async Task An_acl_token_is_sent_when_configured()
    {
        await using var consul = await TestConsulServer.StartAsync(requiredToken: "s3cr3t");
        var registration = new ServiceRegistration("svc-acl", "svc-acl", "127.0.0.1", 1234, new HealthCheckDefinition { Http = "http://127.0.0.1:1/" });
        var refused = await Assert.ThrowsAsync<ConsulException>(() => ClientFor(consul).RegisterAsync(registration, CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Status);
        await ClientFor(consul, "s3cr3t").RegisterAsync(registration, CancellationToken.None);
        Assert.Contains("svc-acl", consul.ServiceIds);
    }

    [Fact]
    public async Task A_blocking_query_answers_when_the_service_changes_and_otherwise_after_its_wait()
    {
        await using var consul = await TestConsulServer.StartAsync();
        var client = ClientFor(consul);
        var (_, index) = await client.HealthyInstancesAsync("web", 0, TimeSpan.Zero, CancellationToken.None);

        var idle = System.Diagnostics.Stopwatch.StartNew();
        var (none, sameIndex) = await client.HealthyInstancesAsync("web", index, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Empty(none);
        Assert.True(idle.Elapsed >= TimeSpan.FromMilliseconds(900), "returned before its wait with nothing changed");
        Assert.False(BlockingIndex.Changed(index, sameIndex));

        var waiting = client.HealthyInstancesAsync("web", sameIndex, TimeSpan.FromSeconds(30), CancellationToken.None);
        // Real time must pass: that a query is still waiting is no event; 300 ms is when an
        // agent that answered at once (not blocking) would have been seen to.
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await client.RegisterAsync(new ServiceRegistration("web-1", "web", "127.0.0.1", 80, new HealthCheckDefinition { Http = "http://127.0.0.1:1/" }), CancellationToken.None);
        var (_, newIndex) = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(newIndex > sameIndex);
    }

    [Fact]
    public async Task A_blocking_query_ahead_of_the_index_waits_out_its_wait_through_changes_that_stay_below_it()
    {
        // As the agent's blockingQuery: only an index above the one asked for is news (after an
        // agent restart the index starts over, below what a client last saw).
        await using var consul = await TestConsulServer.StartAsync();
        var client = ClientFor(consul);
        var (_, index) = await client.HealthyInstancesAsync("ahead", 0, TimeSpan.Zero, CancellationToken.None);
        var wait = TimeSpan.FromSeconds(2);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var waiting = client.HealthyInstancesAsync("ahead", index + 100, wait, CancellationToken.None);
        for (var i = 0; i < 5 && !waiting.IsCompleted; i++)
        {
            await client.RegisterAsync(new ServiceRegistration($"ahead-{i}", "ahead", "127.0.0.1", 80, new HealthCheckDefinition { Http = "http://127.0.0.1:1/" }), CancellationToken.None);
        }
        var (_, answered) = await waiting;

        Assert.True(clock.Elapsed >= wait - TimeSpan.FromMilliseconds(100), $"answered after {clock.Elapsed}, before its wait, at index {answered} <= {index + 100}");
    }

    [Fact]
    public async Task Calls_through_consul_are_balanced_follow_changes_and_survive_a_consul_outage()
    {
        await using var consul = await TestConsulServer.StartAsync();
        var one = await GrpcTestServer.StartAsync();
        await using var two = await GrpcTestServer.StartAsync();
        var client = ClientFor(consul);
        await client.RegisterAsync(Registration("pool-1", "pool", one.Port, grpc: $"127.0.0.1:{one.Port}"), CancellationToken.None);
        await client.RegisterAsync(Registration("pool-2", "pool", two.Port, grpc: $"127.0.0.1:{two.Port}"), CancellationToken.None);

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders(); // the resolver warns while Consul is stopped; not for the test log
        var log = new RecordingLogger<ConsulResolver>();
        builder.Logging.AddProvider(new RecordingLoggerProvider(log));
        builder.Configuration["Consul:Address"] = consul.Address.ToString();
        builder.Configuration["Consul:BlockingWait"] = "00:00:02";
        builder.AddConsulDiscovery();
        builder.Services.AddGrpcClient<Health.HealthClient>("pool", o => o.Address = new Uri("consul://pool"));
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<GrpcClientFactory>().CreateClient<Health.HealthClient>("pool");
        async Task<int> CallMany(int n)
        {
            var ok = 0;
            for (var i = 0; i < n; i++)
            {
                try
                {
                    await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                    ok++;
                }
                catch (RpcException)
                {
                }
            }
            return ok;
        }

        // Both instances pass their checks, then share the calls.
        // (Once both connections are up: until then round-robin has only the ready one.)
        await Eventually.TrueAsync(async () =>
        {
            var (before1, before2) = (one.Calls, two.Calls);
            var ok = await CallMany(20);
            return ok == 20 && one.Calls - before1 >= 5 && two.Calls - before2 >= 5;
        }, "20 calls shared by both instances");

        // One dies: once Consul sees its check fail, every call goes to the other.
        await one.DisposeAsync();
        await Eventually.TrueAsync(() => consul.StatusOf("pool-1") == "critical", "pool-1 critical in Consul");
        // The resolver learns it from its blocking query, a moment later: a round of 20 calls all
        // served is the sign (with pool-1 still listed, about half of them would fail).
        await Eventually.TrueAsync(async () => await CallMany(20) == 20, "20 of 20 calls served once pool-1 is critical");

        // A new one is used without a restart, beside the one that stayed. Both are waited for: a
        // call reaching the new one alone is also what a moment with pool-2's check failing (a
        // probe past its 1 s timeout on a busy machine) looks like, and the outage below keeps
        // whatever the resolver knew last.
        await using var three = await GrpcTestServer.StartAsync();
        await client.RegisterAsync(Registration("pool-3", "pool", three.Port, grpc: $"127.0.0.1:{three.Port}"), CancellationToken.None);
        await Eventually.TrueAsync(async () =>
        {
            var (before2a, before3a) = (two.Calls, three.Calls);
            await CallMany(4);
            return two.Calls > before2a && three.Calls > before3a;
        }, "calls reaching the new instance and the one that stayed");

        // Consul goes away: calls continue on the instances last known.
        await consul.StopAsync();
        // Once the resolver's watch has failed (its warning), it runs on what it last knew.
        await log.FirstOf(ResolverUnreachable).WaitAsync(TimeSpan.FromSeconds(20));
        var (before2b, before3) = (two.Calls, three.Calls);
        Assert.Equal(20, await CallMany(20));
        Assert.True(two.Calls > before2b && three.Calls > before3);
    }
}
