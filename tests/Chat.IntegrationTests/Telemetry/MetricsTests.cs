using System.Net;
using System.Net.Http.Json;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Telemetry;

/// <summary>
/// A known workload on a system of its own (UserService, ChatService on PostgreSQL, one Edge),
/// then each service's real <c>/metrics</c>, parsed: the counts are exactly the workload's.
/// </summary>
public sealed class MetricsTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private const int Messages = 3;

    [Fact]
    public async Task Every_service_counts_a_known_workload_on_its_metrics_endpoint()
    {
        var (alice, aliceToken) = await system.NewUserAsync("ma");
        var (bob, bobToken) = await system.NewUserAsync("mb");
        using (var http = new HttpClient { BaseAddress = system.Edge.Address })
        {
            using var wrong = await http.PostAsJsonAsync("/api/auth/login", new { username = alice, password = "not the password" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        await using var aliceSocket = await system.ConnectAsync(aliceToken);
        var bobSocket = await system.ConnectAsync(bobToken);
        await PrometheusText.WaitForAsync(system.Edge, 2, "chat_websocket_active_connections", []);

        for (var i = 0; i < Messages; i++)
        {
            await aliceSocket.SendJsonAsync(new { type = "send", to = bob, text = $"metered {i}" });
            await aliceSocket.ExpectAsync("sent");
            await bobSocket.ExpectAsync("message");
        }
        await aliceSocket.SendJsonAsync(new { type = "send", to = "nobody" + Guid.NewGuid().ToString("N")[..8], text = "to nobody" });
        await aliceSocket.ExpectAsync("error");
        await aliceSocket.SendJsonAsync(new { type = "no such frame" });
        await aliceSocket.ExpectAsync("error");

        var edge = await PrometheusText.WaitForAsync(system.Edge, Messages, "chat_messages_delivered_total", [("chat_delivery_source", "live")]);
        Assert.Equal(2, edge.Value("chat_websocket_active_connections"));
        Assert.Equal(Messages + 1, edge.Value("chat_websocket_frames_received_total", ("chat_frame_type", "send")));
        Assert.Equal(1, edge.Value("chat_websocket_frames_received_total", ("chat_frame_type", "invalid")));
        Assert.Equal(Messages, edge.Value("chat_messages_sent_total", ("chat_conversation_type", "direct")));
        Assert.Equal(Messages, edge.Value("chat_message_send_duration_seconds_count", ("chat_conversation_type", "direct"), ("chat_outcome", "ok")));
        Assert.Equal(1, edge.Value("chat_message_send_duration_seconds_count", ("chat_outcome", "unknown_recipient")));
        Assert.Equal(1, edge.Value("chat_websocket_errors_total", ("chat_error_code", "unknown_recipient")));
        Assert.Equal(1, edge.Value("chat_websocket_errors_total", ("chat_error_code", "invalid_frame")));
        Assert.Equal(Messages, edge.Value("chat_websocket_frames_sent_total", ("chat_frame_type", "sent")));
        Assert.Equal(Messages, edge.Value("chat_websocket_frames_sent_total", ("chat_frame_type", "message")));
        Assert.Equal(2, edge.Value("chat_websocket_frames_sent_total", ("chat_frame_type", "error")));
        Assert.Equal(Messages, edge.Value("messaging_client_sent_messages_total", ("messaging_system", "in_process")));
        // One page each, on connect: bob's second and later pages were never needed.
        Assert.Equal(2, edge.Value("chat_delivery_catch_up_pages_total", ("chat_catch_up_reason", "connect")));
        Assert.Equal(0, edge.Value("chat_websocket_outgoing_queue_frames") ?? 0);
        Assert.Null(edge.Value("chat_websocket_slow_reader_disconnects_total"));

        var chat = await PrometheusText.WaitForAsync(system.Chat, Messages, "chat_messages_stored_total",
            [("chat_conversation_type", "direct"), ("chat_store_duplicate", "false")], http2: true);
        Assert.Equal(Messages, chat.Value("chat_store_duration_seconds_count", ("db_system_name", "postgresql"), ("chat_outcome", "ok")));

        var users = await PrometheusText.WaitForAsync(system.Users, 1, "chat_auth_logins_total", [("chat_outcome", "failed")], http2: true);
        Assert.Equal(2, users.Value("chat_auth_logins_total", ("chat_outcome", "ok")));

        await bobSocket.DisposeAsync();
        await PrometheusText.WaitForAsync(system.Edge, 1, "chat_websocket_active_connections", []);
    }

    [Fact]
    public async Task Telemetry_turned_off_by_configuration_serves_no_metrics()
    {
        var edge = await system.StartEdgeAsync(new Dictionary<string, string?> { ["OTEL_SDK_DISABLED"] = "true" });
        using var http = new HttpClient { BaseAddress = edge.Address };

        using var metrics = await http.GetAsync("/metrics");
        using var health = await http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
