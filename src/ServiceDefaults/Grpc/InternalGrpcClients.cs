using Grpc.Net.Client;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.ServiceDefaults.Grpc;

/// <summary>
/// The one way a service makes a gRPC client of another: the same reconnect, logging and default
/// deadline for every client of every service.
/// </summary>
public static class InternalGrpcClients
{
    /// <summary>
    /// A client of the service at <paramref name="address"/> (named, when one service needs two
    /// clients of the same type). A call that sets no deadline gets <see cref="ServiceCallOptions.CallTimeout"/>.
    /// </summary>
    public static IHttpClientBuilder AddInternalGrpcClient<TClient>(this IServiceCollection services, Uri address, ServiceCallOptions calls, string? name = null)
        where TClient : class
    {
        var client = name is null
            ? services.AddGrpcClient<TClient>(o => Configure(o, address, calls))
            : services.AddGrpcClient<TClient>(name, o => Configure(o, address, calls));
        // RemoveAllLoggers: HttpClientFactory would log four Information lines for every call
        // (start and end, twice): at a few thousand messages a second that was a tenth of the
        // Edge's CPU (docs/benchmarks.md). Failed calls are logged where they are handled.
        return client.ConfigureChannel(QuickReconnect).RemoveAllLoggers();
    }

    private static void Configure(GrpcClientFactoryOptions options, Uri address, ServiceCallOptions calls)
    {
        options.Address = address;
        options.CallOptionsActions.Add(call =>
        {
            if (call.CallOptions.Deadline is null)
            {
                call.CallOptions = call.CallOptions.WithDeadline(calls.Deadline());
            }
        });
    }

    /// <summary>
    /// A service that restarts is back within seconds; gRPC's default reconnect backoff (up to two
    /// minutes) would keep the caller answering "unavailable" long after it returned. The cap keeps
    /// the Edge's readiness within 2 s of the service's return (jitter adds up to a fifth of it),
    /// and costs one refused connection attempt per channel every half second while it is away.
    /// </summary>
    private static void QuickReconnect(GrpcChannelOptions channel)
    {
        channel.InitialReconnectBackoff = TimeSpan.FromMilliseconds(200);
        channel.MaxReconnectBackoff = TimeSpan.FromMilliseconds(500);
    }
}
