using Chat.Edge.Auth;
using Chat.Edge.Bus;
using Chat.Edge.Connections;
using Chat.Edge.Inbox;
using Chat.Edge.Messaging;
using Chat.Edge.Observability;
using Chat.Edge.Presence;
using Chat.Edge.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Chat.Edge;

public static class RealtimeExtensions
{
    /// <summary>
    /// The WebSocket side of the Edge: connections, sending and delivery. The bus they deliver
    /// through comes from <c>AddScaleOut</c> (in-process, or Redis between replicas), the
    /// authentication and message path from <see cref="AddStoredMessaging"/>.
    /// </summary>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMemoryCache(o => o.SizeLimit = 200_000);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EdgeMetrics>();
        services.AddSingleton<ClientFrameParser>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<ILocalDelivery>(sp => sp.GetRequiredService<ConnectionRegistry>());
        services.AddSingleton<ILocalUsers>(sp => sp.GetRequiredService<ConnectionRegistry>());
        services.AddSingleton<TokenDeadlines>();
        services.AddSingleton<ConnectionServices>();
        services.AddSingleton<WebSocketEndpoint>();
        services.AddHostedService<CloseConnectionsOnStopping>();
        return builder;
    }

    /// <summary>
    /// The product's message path: a connection's user from its bearer token (checked by
    /// UserService), messages stored by ChatService, catch-up from the store, delivery marks
    /// written back. Needs the gRPC clients of <c>AddInternalServices</c>.
    /// </summary>
    public static IHostApplicationBuilder AddStoredMessaging(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<TokenValidator>();
        services.AddSingleton<IConnectionAuthenticator, TokenAuthenticator>();
        services.AddSingleton<RecipientDirectory>();
        services.AddOptions<StoreBatchOptions>().BindConfiguration(StoreBatchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StoreStream>();
        services.AddSingleton<StoreBatcher>();
        services.AddSingleton<IMessagePath, MessageSender>();
        services.AddSingleton<IConversationSignals, ConversationSignals>();
        services.AddSingleton<IInbox, InboxReader>();
        services.AddOptions<DeliveryMarkOptions>().BindConfiguration(DeliveryMarkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeliveryMarks>();
        services.AddSingleton<IDeliveryMarks>(sp => sp.GetRequiredService<DeliveryMarks>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryMarks>());
        services.AddOptions<SessionCheckOptions>().BindConfiguration(SessionCheckOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<EndedSessionWatch>();
        return builder;
    }

    public static WebApplication MapRealtime(this WebApplication app)
    {
        var endpoint = app.Services.GetRequiredService<WebSocketEndpoint>();
        app.MapGet("/ws", (RequestDelegate)endpoint.HandleAsync).AllowAccessTokenInQuery().KeepsItsRequest();
        return app;
    }
}
