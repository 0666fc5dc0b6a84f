using System.Net.WebSockets;
using System.Text.Json;

namespace Chat.IntegrationTests.Realtime;

/// <summary>A system whose Edge lets clients send as fast as they can, and cuts slow readers early.</summary>
public sealed class UnthrottledChatSystem : ChatSystem
{
    public const int QueueLimit = 100;

    public UnthrottledChatSystem()
    {
        EdgeSettings["Realtime__MessagesPerSecond"] = "1000000";
        EdgeSettings["Realtime__Burst"] = "1000000";
        EdgeSettings["Realtime__OutgoingQueueLimit"] = QueueLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class DeliveryUnderLoadTests(UnthrottledChatSystem system) : IClassFixture<UnthrottledChatSystem>
{
    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task A_thousand_messages_arrive_in_order_with_nothing_missing()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var a = await system.ConnectAsync(aliceToken);
        await using var b = await system.ConnectAsync(bobToken);

        await OrderedStream.SendAndExpectInOrderAsync(a, b, bob, 1000);
    }

    [Fact]
    public async Task Concurrent_senders_reach_the_recipient_in_id_order()
    {
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var b = await system.ConnectAsync(bobToken);
        var senders = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            await system.ConnectAsync((await system.NewUserAsync("s")).Token)));
        await Task.WhenAll(senders.Select((s, n) => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await s.SendTextAsync($"{bob} {n}:{i}");
            }
        })));
        var ids = new List<string>();
        for (var i = 0; i < 400; i++)
        {
            ids.Add(Text(await b.ExpectAsync("message"), "id"));
        }
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(400, ids.Distinct().Count());
        foreach (var s in senders)
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_that_never_reads_is_cut_off_while_others_keep_receiving()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (slow, slowToken) = await system.NewUserAsync("slow");
        var (carol, carolToken) = await system.NewUserAsync("carol");
        await using var a = await system.ConnectAsync(aliceToken);
        await using var sleeper = await system.ConnectAsync(slowToken); // never reads until the end
        await using var c = await system.ConnectAsync(carolToken);
        c.StartReading();
        a.StartReading();

        var big = new string('x', 4000);
        const int Messages = 3000; // ~12 MB: more than the socket buffers and the queue hold
        for (var i = 0; i < Messages; i++)
        {
            await a.SendTextAsync($"{slow} {big}");
            if (i % 10 == 0)
            {
                await a.SendTextAsync($"{carol} still here {i}");
            }
        }
        for (var i = 0; i < Messages; i += 10)
        {
            Assert.Equal($"still here {i}", Text(await c.ExpectAsync("message", TimeSpan.FromSeconds(30)), "text"));
        }

        var status = await sleeper.ReceiveCloseAsync(TimeSpan.FromSeconds(60));
        Assert.True(status is null or WebSocketCloseStatus.PolicyViolation, $"closed with {status}");
        Assert.True(sleeper.Received < Messages, $"the slow reader got all {sleeper.Received} messages");
        Assert.Contains(system.Edge.Process.Output, line => line.Contains("outgoing queue", StringComparison.Ordinal));
    }
}
