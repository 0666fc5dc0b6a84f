using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Discovery;

/// <summary>The real services register themselves, stay registered, and leave; the Edge finds them through Consul.</summary>
public sealed class ServiceRegistrationTests
{
    private static Dictionary<string, string?> ConsulSettings(TestConsulServer consul) => new()
    {
        ["Consul__Address"] = consul.Address.ToString(),
        ["Consul__CheckInterval"] = "00:00:00.500",
        ["Consul__AntiEntropyInterval"] = "00:00:01",
    };

    [Fact]
    public async Task A_service_registers_with_a_grpc_check_comes_back_after_an_agent_restart_and_leaves_on_stop()
    {
        var consul = await TestConsulServer.StartAsync();
        var port = consul.Port;
        await using var users = await UserServiceHost.StartAsync(ConsulSettings(consul));
        var id = $"user-service-127.0.0.1-{users.Process.Address.Port}";

        await Eventually.TrueAsync(() => consul.StatusOf(id) == "passing", $"{id} passing its check", explain: () => consul.CheckOutputOf(id));
        var check = consul.RegistrationOf(id)!["Check"]!;
        Assert.Equal($"127.0.0.1:{users.Process.Address.Port}", (string?)check["GRPC"]);
        Assert.NotNull(check["DeregisterCriticalServiceAfter"]);

        // The agent restarts and forgets everything: the service notices and registers again.
        await consul.DisposeAsync();
        consul = await TestConsulServer.StartAsync(port);
        await Eventually.TrueAsync(() => consul.ServiceIds.Contains(id), $"{id} registered");

        await users.Process.StopAsync(); // graceful: SIGTERM
        Assert.DoesNotContain(id, consul.ServiceIds);
        await consul.DisposeAsync();
    }

    [Fact]
    public async Task The_edge_finds_both_services_through_consul_and_a_message_gets_through()
    {
        await using var consul = await TestConsulServer.StartAsync();
        var postgres = await PostgresServer.SharedAsync();
        await using var users = await UserServiceHost.StartAsync(ConsulSettings(consul));
        var chatSettings = ConsulSettings(consul);
        chatSettings["ConnectionStrings__Messages"] = await postgres.CreateDatabaseAsync("messages");
        chatSettings["Services__UserService"] = "consul://user-service"; // ChatService asks it who exists
        await using var chat = await ServiceProcess.StartChatServiceAsync(chatSettings);
        var edgeSettings = ConsulSettings(consul);
        edgeSettings["Services__UserService"] = "consul://user-service";
        edgeSettings["Services__ChatService"] = "consul://chat-service";
        await using var edge = await ServiceProcess.StartEdgeAsync(edgeSettings);

        await Eventually.TrueAsync(() => consul.ServiceIds.Any(s => s.StartsWith("edge-", StringComparison.Ordinal)), "an Edge registered");
        using var http = new HttpClient { BaseAddress = edge.Address };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, "/readyz answering 200");

        var alice = await Register(http, "alice");
        var bob = await Register(http, "bob");
        await using var a = await WsClient.ConnectAsync(edge, alice.Token);
        await using var b = await WsClient.ConnectAsync(edge, bob.Token);
        await a.SendTextAsync($"{bob.Name} found you through consul");
        await a.ExpectAsync("sent");
        Assert.Equal("found you through consul", (await b.ExpectAsync("message")).GetProperty("text").GetString());
    }

    private static async Task<(string Name, string Token)> Register(HttpClient http, string prefix)
    {
        var name = $"{prefix}{Guid.NewGuid():N}"[..16];
        var credentials = new { username = name, password = "correct horse battery" };
        (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(http, "/api/auth/register", credentials)).EnsureSuccessStatusCode();
        var login = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(http, "/api/auth/login", credentials);
        var body = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(login.Content);
        return (name, body.GetProperty("accessToken").GetString()!);
    }
}
