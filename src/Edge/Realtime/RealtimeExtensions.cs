using Chat.Contracts;
using Chat.Edge.Authentication;
using Chat.Edge.Realtime.Bus;
using Chat.Edge.Realtime.Connections;
using Chat.Edge.Realtime.Delivery;
using Chat.Edge.Realtime.Frames;
using Chat.Edge.Realtime.Relay;
using Chat.Edge.Realtime.Sending;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Realtime;

public static class RealtimeExtensions
{
    /// <summary>
    /// The WebSocket side of the Edge: connections, sending and delivery. The bus they deliver
    /// through comes from <c>AddScaleOut</c> (in-process, or Redis between replicas).
    /// </summary>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RealtimeOptions>()
            .Bind(builder.Configuration.GetSection(RealtimeOptions.Section))
            .Validate(o => o.MaxFrameBytes >= MessageLimits.MaxTextBytes, $"Realtime: MaxFrameBytes must be at least the text limit, {MessageLimits.MaxTextBytes}")
            .Validate(o => o.MessagesPerSecond > 0 && o.Burst >= 1, "Realtime: MessagesPerSecond and Burst must be positive")
            .Validate(o => o.OutgoingQueueLimit >= 1, "Realtime: OutgoingQueueLimit must be positive")
            .Validate(o => o.SyncPageSize is >= 1 and <= MessageLimits.MaxSyncPage, $"Realtime: SyncPageSize must be 1 to {MessageLimits.MaxSyncPage}, ChatService's largest page")
            .ValidateOnStart();
        services.AddMemoryCache(o => o.SizeLimit = 200_000);
        services.AddSingleton<ClientFrameParser>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<ILocalDelivery>(sp => sp.GetRequiredService<ConnectionRegistry>());
        services.AddSingleton<ConnectionServices>();
        services.AddHostedService<CloseConnectionsOnStopping>();
        if (IsRelayOnly(builder))
        {
            if (builder.Environment.IsProduction())
            {
                throw new InvalidOperationException("Realtime:RelayOnly is a benchmark mode without authentication or storage; it refuses to run in Production.");
            }
            services.AddSingleton<IConnectionAuthenticator, RelayAuthenticator>();
            services.AddSingleton<IMessagePath, RelayMessagePath>();
            services.AddSingleton<RelayInbox>();
            services.AddSingleton<IInbox>(sp => sp.GetRequiredService<RelayInbox>());
            services.AddSingleton<IDeliveryMarks>(sp => sp.GetRequiredService<RelayInbox>());
            services.AddSingleton<IConversationSignals>(sp => sp.GetRequiredService<RelayInbox>());
            return builder;
        }
        services.AddSingleton<TokenValidator>();
        services.AddSingleton<IConnectionAuthenticator, TokenAuthenticator>();
        services.AddSingleton<RecipientDirectory>();
        services.AddSingleton<IMessagePath, MessageSender>();
        services.AddSingleton<IConversationSignals, ConversationSignals>();
        services.AddSingleton<IInbox, InboxReader>();
        services.AddSingleton<DeliveryMarks>();
        services.AddSingleton<IDeliveryMarks>(sp => sp.GetRequiredService<DeliveryMarks>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryMarks>());
        return builder;
    }

    /// <summary>True in the relay-only benchmark mode (see <see cref="RealtimeOptions.RelayOnly"/>).</summary>
    public static bool IsRelayOnly(IHostApplicationBuilder builder) =>
        builder.Configuration.GetSection(RealtimeOptions.Section).GetValue<bool>(nameof(RealtimeOptions.RelayOnly));

    public static WebApplication MapRealtime(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapGet("/ws", WebSocketEndpoint.HandleAsync);
        return app;
    }
}
