using System.Collections.Concurrent;
using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.Realtime;
using Chat.IntegrationTests.ScaleOut;

namespace Chat.IntegrationTests.Reliability;

/// <summary>A system of its own: these tests kill its ChatService.</summary>
public sealed class ChatServiceCrashSystem : ChatSystem
{
    public ChatServiceCrashSystem()
    {
        // Short calls, so the outage shows soon; as long as the three 1 s attempts a store had
        // before its retries moved into the call (IdempotentRetries), whose one deadline they share.
        EdgeSettings["Services__CallTimeout"] = "00:00:03";
    }
}

/// <summary>ChatService crashes while twenty clients send: acknowledged means stored, stored means delivered, once.</summary>
public sealed class ChatServiceCrashTests(ChatServiceCrashSystem system) : IClassFixture<ChatServiceCrashSystem>
{
    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task Every_acknowledged_message_arrives_exactly_once_after_a_crash_and_retries_make_no_duplicates()
    {
        const int Pairs = 20, PerSender = 30;
        // One after the other: forty password hashes at once on a small CI machine would outlast
        // the sign-up deadline, and sign-up is not what this test is about.
        var pairs = new List<(ChatClient Sender, ChatClient Recipient, string To)>();
        for (var p = 0; p < Pairs; p++)
        {
            var sender = await system.NewUserAsync("s");
            var recipient = await system.NewUserAsync("r");
            // The Edge's 3 s deadline is for the crash; before it, a cold ChatService may be slower.
            pairs.Add((await ChatClient.ConnectRetryingUnavailableAsync(system.Edge.Address, sender.Token),
                await ChatClient.ConnectRetryingUnavailableAsync(system.Edge.Address, recipient.Token), recipient.Username));
        }
        var acked = new ConcurrentDictionary<int, ConcurrentBag<string>>();
        var unavailable = 0;
        var sending = pairs.Select((pair, p) => Task.Run(async () =>
        {
            for (var i = 0; i < PerSender; i++)
            {
                while (true)
                {
                    await pair.Sender.SendJsonAsync(new { type = "send", to = pair.To, text = $"{p}:{i}", clientId = $"c-{i}" });
                    var answer = await pair.Sender.ReceiveAsync(TimeSpan.FromSeconds(30));
                    if (Text(answer, "type") == "sent")
                    {
                        acked.GetOrAdd(p, _ => []).Add(Text(answer, "id"));
                        break;
                    }
                    Assert.Equal("unavailable", Text(answer, "code"));
                    Interlocked.Increment(ref unavailable);
                    // The client's pause before it retries with the same clientId, as the
                    // contract asks of clients after `unavailable`; nothing is awaited.
                    await Task.Delay(200);
                }
                // Senders pace themselves (about 20 messages/s each) so the crash falls mid-stream.
                await Task.Delay(50);
            }
        })).ToArray();

        await Eventually.TrueAsync(() => acked.Values.Sum(a => a.Count) >= Pairs * 5, "messages flowing before the crash");
        await system.KillChatServiceAsync();
        // Down until the clients have felt it: several sends answered `unavailable`, to be retried.
        await Eventually.TrueAsync(() => Volatile.Read(ref unavailable) >= Pairs / 2, "senders told `unavailable`");
        await system.RestartChatServiceAsync();
        await Task.WhenAll(sending);

        Assert.True(unavailable > 0, "the crash was not noticed: the test did not test anything");
        for (var p = 0; p < Pairs; p++)
        {
            var expected = acked[p].Order(StringComparer.Ordinal).ToList();
            Assert.Equal(PerSender, expected.Count); // one id per message: retries made no duplicates
            var received = new List<string>();
            while (received.Count < expected.Count)
            {
                received.Add(Text(await pairs[p].Recipient.ExpectAsync("message", TimeSpan.FromSeconds(20)), "id"));
            }
            Assert.Equal(expected, received); // all of them, once each, in order
            await pairs[p].Recipient.ExpectSilenceAsync(TimeSpan.FromMilliseconds(100));
        }
        foreach (var (sender, recipient, _) in pairs)
        {
            await sender.DisposeAsync();
            await recipient.DisposeAsync();
        }
    }
}

/// <summary>Two Edges on one Redis; this test kills one of them.</summary>
public sealed class EdgeCrashSystem : ScaleOutSystem;

public sealed class EdgeCrashTests(EdgeCrashSystem system) : IClassFixture<EdgeCrashSystem>
{
    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task Clients_of_a_killed_replica_resume_on_another_with_after_and_miss_nothing()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var alice = await system.ConnectAsync(aliceToken, edge: system.EdgeA);
        var bobOnB = await system.ConnectAsync(bobToken, edge: system.EdgeB);

        var sentIds = new List<string>();
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await alice.SendJsonAsync(new { type = "send", to = bob, text = $"{i}", clientId = $"k-{i}" });
                sentIds.Add(Text(await alice.ExpectAsync("sent"), "id"));
                // Paced so that the kill falls while she is still sending; nothing is awaited.
                await Task.Delay(10);
            }
        });

        var received = new List<string>();
        while (received.Count < 50)
        {
            received.Add(Text(await bobOnB.ExpectAsync("message"), "id"));
        }
        await system.EdgeB.KillAsync(); // SIGKILL: no goodbye
        // What the client had before the connection died (frames already in its buffer count too).
        while (await bobOnB.TryReceiveAsync(TimeSpan.FromMilliseconds(300)) is { } late && Text(late, "type") == "message")
        {
            received.Add(Text(late, "id"));
        }
        await bobOnB.DisposeAsync();

        await using var bobOnA = await system.ConnectAsync(bobToken, after: received[^1], edge: system.EdgeA);
        await sending;
        while (received.Count < sentIds.Count)
        {
            received.Add(Text(await bobOnA.ExpectAsync("message", TimeSpan.FromSeconds(20)), "id"));
        }
        Assert.Equal(sentIds, received); // nothing missed, nothing twice, in order
        await bobOnA.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
    }
}
