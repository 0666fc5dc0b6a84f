using System.Net;
using System.Net.WebSockets;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Chat.IntegrationTests.Gateway;

/// <summary>
/// A real Kestrel server standing where an Edge replica stands behind the gateway, for what the
/// Edge does not show yet: it answers every <c>/api/</c> request with its name and the headers it
/// received, echoes WebSocket frames on <c>/ws</c>, and answers <c>/readyz</c> as the test says.
/// </summary>
public sealed class EchoUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _apiRequests;

    private EchoUpstream(WebApplication app, string name, Uri address)
    {
        _app = app;
        Name = name;
        Address = address;
    }

    public string Name { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>, to give to <see cref="NginxServer.StartAsync"/>.</summary>
    public Uri Address { get; }

    /// <summary>What <c>/readyz</c> answers: 200 when true, 503 when false.</summary>
    public bool Ready { get; set; } = true;

    /// <summary>How many <c>/api/</c> requests reached this upstream.</summary>
    public int ApiRequests => Volatile.Read(ref _apiRequests);

    public static async Task<EchoUpstream> StartAsync(string name)
    {
        var port = FreePort.Next();
        // A content root of its own: the test folder holds the services' appsettings.json files,
        // whose Kestrel defaults (HTTP/2 only) are not this server's.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = TestRun.NewFolder("upstream") });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new EchoUpstream(app, name, new Uri($"http://127.0.0.1:{port}"));

        // No keep-alive pings from this side: the idle test needs a connection that is really idle.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Map("/api/{**rest}", upstream.EchoRequestAsync);
        app.Map("/ws", EchoWebSocketAsync);
        app.MapGet("/readyz", () => upstream.Ready ? Results.Ok() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task EchoRequestAsync(HttpContext context)
    {
        Interlocked.Increment(ref _apiRequests);
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new EchoAnswer(
            Name,
            context.Request.Path,
            body.Length,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)), context.RequestAborted);
    }

    private static async Task EchoWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var frame = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, frame.Count), frame.MessageType, frame.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client or the gateway went away; the tests look at what the client saw.
        }
    }
}

/// <summary>What <see cref="EchoUpstream"/> answers to an <c>/api/</c> request.</summary>
public sealed record EchoAnswer(string Upstream, string Path, long BodyBytes, Dictionary<string, string> Headers);
