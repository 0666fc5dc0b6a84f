using Chat.Edge.Auth;
using Chat.Edge.Connections;
using Chat.Edge.Http;
using Chat.Edge.Presence;
using Chat.Edge.Redis;
using Chat.Edge.Services;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Discovery;
using Chat.ServiceDefaults.Telemetry;

namespace Chat.Edge;

/// <summary>
/// The Edge's composition: its registrations and its request pipeline. Public so that another host
/// can build the same Edge with a different message path (bench/RelayEdge, the benchmark's
/// relay-only Edge) without any product build containing one.
/// </summary>
public static class EdgeApplication
{
    /// <summary>
    /// Everything the Edge registers. <paramref name="addMessagePath"/> registers who connects and
    /// where their messages go; by default the product's: bearer tokens checked by UserService,
    /// messages stored by ChatService.
    /// </summary>
    public static WebApplicationBuilder AddEdge(this WebApplicationBuilder builder, Action<IHostApplicationBuilder>? addMessagePath = null)
    {
        builder.AddServiceDefaults();
        builder.AddTelemetry("edge");
        builder.AddGatewayForwardedHeaders();
        builder.AddConsulRegistration("edge", ConsulCheckKind.Http);
        builder.AddConsulDiscovery();
        builder.AddRealtime();
        (addMessagePath ?? AddStoredMessagePath)(builder);
        builder.Services.AddEdgeAuthentication();
        builder.AddScaleOut();
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>The Edge's middleware and endpoints.</summary>
    public static WebApplication MapEdge(this WebApplication app)
    {
        app.UseGatewayForwardedHeaders();
        app.UseRouting();
        app.UseCanonicalPaths();
        app.UseStorableRequestText();
        app.UseWebSockets();
        // A WebSocket's request lasts as long as its connection, and so would the frames of the
        // async middlewares below and what they hold: /ws answers its own errors and checks its
        // own token, and is answered here.
        app.RunLongLivedRequests();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapAccountApi();
        app.MapSessionApi();
        app.MapRealtime();
        app.MapMessageHistory();
        app.MapConversations();
        app.MapGroupApi();
        app.MapPresence();
        return app;
    }

    private static void AddStoredMessagePath(IHostApplicationBuilder builder)
    {
        builder.AddInternalServices();
        builder.AddStoredMessaging();
    }
}
