using Chat.IntegrationTests.Telemetry.Otlp;

namespace Chat.IntegrationTests.Telemetry;

/// <summary>
/// One message from a user on Edge A to a user on Edge B, traced end to end: every service exports
/// to a real OTLP receiver, and the message's spans, from both Edges and ChatService, share one
/// trace id, joined across gRPC (propagated headers) and Redis (the context in the bus event).
/// </summary>
public sealed class TracingTests(TracedSystem system) : IClassFixture<TracedSystem>, IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await system.Receiver.DisposeAsync();

    [Fact]
    public async Task A_message_across_two_edges_is_one_trace_from_receive_to_the_other_replicas_write()
    {
        var (_, aliceToken) = await system.NewUserAsync("ta");
        var (bob, bobToken) = await system.NewUserAsync("tb");
        await using var alice = await system.ConnectAsync(aliceToken, edge: system.EdgeA);
        await using var bobOnB = await system.ConnectAsync(bobToken, edge: system.EdgeB);
        var text = "traced text " + Guid.NewGuid().ToString("N");

        await alice.SendJsonAsync(new { type = "send", to = bob, text });
        var id = (await alice.ExpectAsync("sent")).GetProperty("id").GetString();
        Assert.Equal(id, (await bobOnB.ExpectAsync("message")).GetProperty("id").GetString());

        var spans = await system.Receiver.WaitForAsync(all => TraceOfDelivery(all) is not null, Within);
        var trace = TraceOfDelivery(spans)!;
        var send = Assert.Single(trace, s => s.Name == "chat send");
        var publish = Assert.Single(trace, s => s.Name == "publish chat");
        var deliver = Assert.Single(trace, s => s.Name == "deliver chat" && s.Instance != send.Instance);
        Assert.Equal("edge", send.Service);
        Assert.Equal(SpanKind.Server, send.Kind);
        Assert.Equal("", send.ParentSpanId); // a root: not a child of the hours-long /ws request
        Assert.Equal(send.Instance, publish.Instance);
        Assert.Equal(SpanKind.Producer, publish.Kind);
        Assert.Equal("edge", deliver.Service);
        Assert.Equal(SpanKind.Consumer, deliver.Kind);
        Assert.Equal(publish.SpanId, deliver.ParentSpanId); // across Redis, in the bus event

        // ChatService's part: its gRPC server span under the Edge's call, the store, the database.
        var store = Assert.Single(trace, s => s.Service == "chat-service" && s.Name == "chat store");
        var storeServer = Assert.Single(trace, s => s.SpanId == store.ParentSpanId);
        Assert.Equal(SpanKind.Server, storeServer.Kind);
        Assert.Contains(trace, s => s.SpanId == storeServer.ParentSpanId && s.Service == "edge" && s.Kind == SpanKind.Client);
        Assert.Contains(trace, s => s.Service == "chat-service" && s.Scope == "Npgsql");

        // No message text in any span (nor in any log line of any service).
        Assert.False(system.Receiver.AnyExportContains(text), "the message text was exported in a span");
        foreach (var process in new[] { system.Users, system.Chat, system.EdgeA, system.EdgeB })
        {
            Assert.DoesNotContain(process.Process.Output, line => line.Contains(text, StringComparison.Ordinal));
        }
    }

    /// <summary>The spans of the trace in which one Edge sent a message and another delivered it, once both and the store are in.</summary>
    private static List<ReceivedSpan>? TraceOfDelivery(IReadOnlyList<ReceivedSpan> spans)
    {
        foreach (var send in spans.Where(s => s.Name == "chat send"))
        {
            var trace = spans.Where(s => s.TraceId == send.TraceId).ToList();
            if (trace.Any(s => s.Name == "deliver chat" && s.Instance != send.Instance)
                && trace.Any(s => s.Service == "chat-service" && s.Name == "chat store")
                && trace.Any(s => s.Scope == "Npgsql"))
            {
                return trace;
            }
        }
        return null;
    }
}
