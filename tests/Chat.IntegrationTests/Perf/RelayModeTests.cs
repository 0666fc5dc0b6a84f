using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Perf;

/// <summary>
/// The relay-only Edge (bench/RelayEdge): the same WebSocket path, no auth, no store — never in
/// Production; and the product Edge has no such mode in any environment.
/// </summary>
public sealed class RelayModeTests
{
    [Fact]
    public async Task The_relay_edge_relays_messages_without_any_other_service()
    {
        await using var edge = await ServiceProcess.StartRelayEdgeAsync(new Dictionary<string, string?>());
        await using var alice = await ChatClient.ConnectAsync(edge.Address, token: null, relayUser: "alice");
        await using var bob = await ChatClient.ConnectAsync(edge.Address, token: null, relayUser: "bob");

        for (var i = 0; i < 3; i++)
        {
            await alice.SendTextAsync($"{{\"type\":\"send\",\"to\":\"bob\",\"text\":\"r{i}\",\"clientId\":\"c{i}\"}}");
            var sent = await alice.ExpectAsync("sent");
            Assert.Equal($"c{i}", sent.GetProperty("clientId").GetString());
            var message = await bob.ExpectAsync("message");
            Assert.Equal((sent.GetProperty("id").GetString(), $"r{i}", "alice"),
                (message.GetProperty("id").GetString(), message.GetProperty("text").GetString(), message.GetProperty("from").GetString()));
        }
        Assert.DoesNotContain(edge.Process.Output, l => l.Contains("not found in the store", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_relay_edge_refuses_to_start_in_production()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartRelayEdgeAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        }));
        Assert.Contains("refuses to run in Production", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_product_edge_refuses_a_user_by_name_with_401_even_outside_production_with_the_old_relay_switch()
    {
        static string Nowhere() => "http://127.0.0.1:" + FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var edge = await ServiceProcess.StartEdgeAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Staging",
            ["Realtime__RelayOnly"] = "true",
            ["Services__UserService"] = Nowhere(),
            ["Services__ChatService"] = Nowhere(),
        });
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized,
            await ChatClient.RefusedStatusAsync(ChatClient.EndpointOf(edge.Address, relayUser: "alice")));
    }
}
