using System.Text.Json;
using Chat.Contracts.Chat.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chat.IntegrationTests.Realtime;

/// <summary>
/// <c>/ws</c> is answered ahead of the Edge's exception handler (it would stay suspended under every
/// connection), so the endpoint answers an unexpected failure before the upgrade itself, as that
/// handler answers every other request: a 500 in problem details, never a bare status.
/// </summary>
public sealed class AdmissionFailureTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    [Fact]
    public async Task A_failure_the_endpoint_does_not_expect_before_the_upgrade_is_a_500_in_problem_details()
    {
        // ChatService stands in for one with a bug: where a connection starts cannot be read, and
        // not for a reason worth waiting for (Internal is not transient).
        await using var brokenChat = await BrokenChatService.StartAsync();
        // Production: in Development the developer exception page would answer first.
        await using var edge = await ServiceProcess.StartEdgeAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Services__UserService"] = system.Users.Address.ToString(),
            ["Services__ChatService"] = $"http://127.0.0.1:{brokenChat.Port}",
        });
        var (_, token) = await system.NewUserAsync("admission");

        var answer = await RawHttp.SendAsync(edge.Address, "GET", "/ws", headers:
            ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", $"Authorization: Bearer {token}"]);

        Assert.Equal(500, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"), StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("broken on purpose", answer.Body, StringComparison.Ordinal);
    }

    private sealed class BrokenChatService : Contracts.Chat.V1.ChatService.ChatServiceBase, IAsyncDisposable
    {
        private WebApplication? _app;

        public int Port { get; private set; }

        public static async Task<BrokenChatService> StartAsync()
        {
            var service = new BrokenChatService { Port = FreePort.Next() };
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(service.Port, o => o.Protocols = HttpProtocols.Http2));
            builder.Logging.ClearProviders();
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(service);
            service._app = builder.Build();
            service._app.MapGrpcService<BrokenChatService>();
            await service._app.StartAsync();
            return service;
        }

        public override Task<SyncMessagesResponse> SyncMessages(SyncMessagesRequest request, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.Internal, "broken on purpose"));

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
    }
}
