using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Realtime;

/// <summary>An upgrade is HTTP/1.1's (PROTOCOL.md: the upgrade needs HTTP/1.1), on the Edge and through the gateway.</summary>
public sealed class UpgradeVersionTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private static IEnumerable<string> UpgradeHeaders(string token) =>
    [
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        $"Authorization: Bearer {token}",
    ];

    [Fact]
    public async Task An_http_1_0_upgrade_with_a_valid_token_is_400_on_the_edge_and_through_the_gateway_and_1_1_is_101()
    {
        var (_, token) = await system.NewUserAsync("v10");
        await using var gateway = await NginxServer.StartAsync([system.Edge.Address]);

        foreach (var server in new[] { system.Edge.Address, gateway.Address })
        {
            var old = await RawHttp.SendAsync(server, "GET", "/ws", version: "HTTP/1.0", headers: UpgradeHeaders(token));
            var current = await RawHttp.SendAsync(server, "GET", "/ws", version: "HTTP/1.1", headers: UpgradeHeaders(token));

            Assert.Equal(400, old.Status);
            Assert.StartsWith("application/problem+json", old.Header("Content-Type"), StringComparison.Ordinal);
            using var problem = JsonDocument.Parse(old.Body);
            Assert.Equal("A WebSocket upgrade needs HTTP/1.1.", problem.RootElement.GetProperty("detail").GetString());
            Assert.Equal(101, current.Status);
        }
    }
}
