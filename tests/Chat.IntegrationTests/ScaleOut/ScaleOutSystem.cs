using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// The chat path with two Edge replicas (A = <see cref="ChatSystem.Edge"/>, B) joined by a Redis of
/// its own (tests may stop it); <see cref="ClusterScaleOutSystem"/> joins them by a Redis Cluster. Presence runs on a short clock (heartbeat 1 s, TTL 3 s) so a
/// crashed replica's users go offline within the test, and senders are not throttled.
/// </summary>
public class ScaleOutSystem : ChatSystem, IAsyncLifetime
{
    public ScaleOutSystem()
    {
        EdgeSettings["Presence__HeartbeatInterval"] = "00:00:01";
        EdgeSettings["Presence__Ttl"] = "00:00:03";
        EdgeSettings["Redis__MaxReconnectDelay"] = "00:00:00.500";
        EdgeSettings["Realtime__MessagesPerSecond"] = "1000000";
        EdgeSettings["Realtime__Burst"] = "1000000";
    }

    /// <summary>The one Redis (not started by the cluster variant, which has its own).</summary>
    public RedisServer Redis { get; protected set; } = null!;

    public ServiceProcess EdgeA => Edge;

    public ServiceProcess EdgeB { get; private set; } = null!;

    // Re-implemented so Redis starts before the Edges and stops after them.
    async Task IAsyncLifetime.InitializeAsync()
    {
        EdgeSettings["ConnectionStrings__Redis"] = await StartRedisAsync();
        EdgeSettings["Caching__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)); // one for all replicas
        await InitializeAsync();
        EdgeB = await StartEdgeAsync(EdgeSettings);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await StopRedisAsync();
    }

    /// <summary>Starts what the replicas share; returns its connection string.</summary>
    protected virtual async Task<string> StartRedisAsync()
    {
        Redis = await RedisServer.StartNewAsync();
        return Redis.ConnectionString;
    }

    protected virtual ValueTask StopRedisAsync() => Redis.DisposeAsync();

    /// <summary>One more replica on the same Redis (or cluster).</summary>
    public Task<ServiceProcess> StartReplicaAsync() => StartEdgeAsync(EdgeSettings);

    /// <summary><c>GET /api/presence?users=…</c> on <paramref name="edge"/>: the status and the body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PresenceAsync(ServiceProcess edge, string? token, string users)
    {
        using var http = new HttpClient { BaseAddress = edge.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/presence?users=" + Uri.EscapeDataString(users));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The presence entry of one user as <paramref name="edge"/> reports it.</summary>
    public static async Task<JsonElement> PresenceOfAsync(ServiceProcess edge, string token, string user)
    {
        var (status, body) = await PresenceAsync(edge, token, user);
        Assert.Equal(HttpStatusCode.OK, status);
        return Assert.Single(body.GetProperty("presence").EnumerateArray());
    }

    /// <summary>Waits until <paramref name="edge"/>'s presence says <paramref name="online"/> for the user; returns that entry.</summary>
    public static async Task<JsonElement> WaitForPresenceAsync(ServiceProcess edge, string token, string user, bool online, TimeSpan within)
    {
        JsonElement last = default;
        return await Eventually.ValueAsync(async () =>
        {
            last = await PresenceOfAsync(edge, token, user);
            return (last.GetProperty("online").GetBoolean() == online, last);
        }, $"{user} {(online ? "online" : "offline")}", within, () => $"(last: {last})");
    }

    /// <summary>Waits until <c>/readyz</c> of <paramref name="edge"/> answers 200 with <paramref name="status"/> (Healthy, Degraded).</summary>
    public static async Task WaitForReadinessAsync(ServiceProcess edge, string status, TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = edge.Address };
        var last = "";
        await Eventually.TrueAsync(async () =>
        {
            using var response = await http.GetAsync("/readyz");
            var body = await response.Content.ReadAsStringAsync();
            last = $"{(int)response.StatusCode} {body}";
            return response.StatusCode == HttpStatusCode.OK && body == status;
        }, $"/readyz answering 200 {status}", within, () => $"(last: {last})");
    }
}
