using System.Diagnostics.Metrics;
using Chat.Edge.Observability;
using Chat.ServiceDefaults.Discovery;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>Instruments for parts built without a host in unit tests: real, but nobody listens.</summary>
public static class UnobservedMetrics
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static EdgeMetrics Edge() => new(Meters);

    public static DiscoveryMetrics Discovery() => new(Meters);
}
