using Chat.ServiceDefaults.Discovery;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Net.Client.Balancer;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.IntegrationTests.Discovery;

/// <summary>The resolver and registration loops outlive any failure, and say which kind it was.</summary>
public sealed class ConsulLoopFailureTests
{
    // The event ids of the [LoggerMessage]s in ConsulRegistration and ConsulResolver.
    private const int RegistrationUnreachable = 951;
    private const int RegistrationRefused = 954;
    private const int ResolverUnreachable = 961;
    private const int ResolverRefused = 962;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static IOptions<ConsulOptions> OptionsFor(TestConsulServer consul) => Options.Create(new ConsulOptions
    {
        Address = consul.Address,
        ServiceName = "looped",
        ServicePort = 4321,
        AntiEntropyInterval = TimeSpan.FromMilliseconds(100),
        BlockingWait = TimeSpan.FromSeconds(2),
    });

    private static (ConsulRegistration Registration, ApplicationLifetime Lifetime) Registration(IOptions<ConsulOptions> options, RecordingLogger<ConsulRegistration> logger)
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var consul = new ConsulClient(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, options);
        return (new ConsulRegistration(consul, options, ConsulCheckKind.Http, new NoServer(), lifetime, logger), lifetime);
    }

    [Fact]
    public async Task The_resolver_keeps_watching_after_a_body_that_is_not_json()
    {
        await using var consul = await TestConsulServer.StartAsync();
        var options = OptionsFor(consul);
        var garbage = consul.AnswerOnce("/v1/health/service/looped", 200, "<html>a proxy's error page</html>");
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var resolver = new ConsulResolver("looped", new ConsulClient(new HttpClient(), options), options, UnobservedMetrics.Discovery(), new RecordingLogger<ConsulResolver>());

        resolver.Start(result =>
        {
            if (result.Status.StatusCode == global::Grpc.Core.StatusCode.OK)
            {
                answered.TrySetResult();
            }
        });

        await garbage.WaitAsync(Deadline);
        await answered.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task The_registration_keeps_going_after_a_body_that_is_not_json()
    {
        await using var consul = await TestConsulServer.StartAsync();
        var options = OptionsFor(consul);
        const string id = "looped-127.0.0.1-4321";
        var (registration, lifetime) = Registration(options, new RecordingLogger<ConsulRegistration>());
        var registered = consul.NextRegistration(id);
        await registration.StartAsync(CancellationToken.None);
        lifetime.NotifyStarted();
        await registered.WaitAsync(Deadline);

        // The anti-entropy read gets garbage; afterwards the agent forgets the instance.
        await consul.AnswerOnce($"/v1/agent/service/{id}", 200, "not json at all").WaitAsync(Deadline);
        var again = consul.NextRegistration(id);
        await new ConsulClient(new HttpClient(), options).DeregisterAsync(id, CancellationToken.None);

        await again.WaitAsync(Deadline);
        lifetime.StopApplication();
        await registration.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_refused_registration_is_logged_as_refused_not_as_unreachable()
    {
        await using var consul = await TestConsulServer.StartAsync(requiredToken: "s3cr3t");
        var logger = new RecordingLogger<ConsulRegistration>();
        var (registration, lifetime) = Registration(OptionsFor(consul), logger);
        await registration.StartAsync(CancellationToken.None);
        lifetime.NotifyStarted();

        var refused = await logger.FirstOf(RegistrationRefused).WaitAsync(Deadline);

        Assert.Contains("403", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Entries, e => e.EventId == RegistrationUnreachable);
        lifetime.StopApplication();
        await registration.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_refused_watch_is_logged_as_refused_not_as_unreachable()
    {
        await using var consul = await TestConsulServer.StartAsync(requiredToken: "s3cr3t");
        var options = OptionsFor(consul);
        var logger = new RecordingLogger<ConsulResolver>();
        using var resolver = new ConsulResolver("looped", new ConsulClient(new HttpClient(), options), options, UnobservedMetrics.Discovery(), logger);

        resolver.Start(_ => { });

        var refused = await logger.FirstOf(ResolverRefused).WaitAsync(Deadline);
        Assert.Contains("403", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Entries, e => e.EventId == ResolverUnreachable);
    }

    /// <summary>The registration asks the server for its port only when none is configured; these tests configure one.</summary>
    private sealed class NoServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
