using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Chat.Edge.Http;

/// <summary>
/// Behind the gateway, the client's address is in X-Forwarded-For. It is believed only from the
/// networks in <c>Gateway:TrustedNetworks</c> (default: loopback), so a client cannot pick its own
/// address to dodge login throttling.
/// </summary>
public static class ForwardedHeadersExtensions
{
    public static IHostApplicationBuilder AddGatewayForwardedHeaders(this IHostApplicationBuilder builder)
    {
        var trusted = builder.Configuration["Gateway:TrustedNetworks"];
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = 1;
            if (!string.IsNullOrWhiteSpace(trusted))
            {
                o.KnownIPNetworks.Clear();
                o.KnownProxies.Clear();
                foreach (var network in trusted.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
                }
            }
        });
        return builder;
    }

    public static WebApplication UseGatewayForwardedHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }
}
