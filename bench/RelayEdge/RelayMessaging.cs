using Chat.Edge.Auth;
using Chat.Edge.Inbox;
using Chat.Edge.Messaging;

namespace Chat.RelayEdge;

/// <summary>
/// The relay-only message path in place of the product's: the user is whoever <c>?user=</c> says,
/// messages are relayed at once and never stored, there is nothing to catch up on. Only the Edge's
/// WebSocket path is left — reader, parser, rate limit, registry, bus, pump, frames — so its
/// throughput is the ceiling of our stack (docs/benchmarks.md).
/// </summary>
public static class RelayMessaging
{
    public static void AddRelayMessagePath(IHostApplicationBuilder builder)
    {
        // Anyone can claim any name here: even a benchmark host must not be deployed for users.
        if (builder.Environment.IsProduction())
        {
            throw new InvalidOperationException("The relay-only Edge is a benchmark host without authentication or storage; it refuses to run in Production.");
        }
        var services = builder.Services;
        services.AddSingleton<IConnectionAuthenticator, RelayAuthenticator>();
        services.AddSingleton<IMessagePath, RelayMessagePath>();
        services.AddSingleton<RelayInbox>();
        services.AddSingleton<IInbox>(sp => sp.GetRequiredService<RelayInbox>());
        services.AddSingleton<IDeliveryMarks>(sp => sp.GetRequiredService<RelayInbox>());
        services.AddSingleton<IConversationSignals>(sp => sp.GetRequiredService<RelayInbox>());
    }
}
