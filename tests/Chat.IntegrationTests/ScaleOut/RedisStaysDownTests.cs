using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Chat.IntegrationTests.Realtime;
using Xunit.Abstractions;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// Redis killed and not restarted under two live replicas (a system of its own): every pair's
/// sender on one replica and recipient on the other, as in issue 23's run.
/// </summary>
public sealed class RedisStaysDownTests(ScaleOutSystem system, ITestOutputHelper output) : IClassFixture<ScaleOutSystem>
{
    private const int Pairs = 10;
    private const int MessagesPerSender = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // The store is read every second while Redis is away (Redis:OutagePollInterval); a message
    // may wait one interval, one round of reads and one sync on a loaded machine.
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(5);

    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task Every_acknowledged_message_reaches_the_open_connections_on_the_other_replica_without_Redis()
    {
        var senders = new List<WsClient>();
        var recipients = new List<(string Name, WsClient Socket)>();
        try
        {
            for (var i = 0; i < Pairs; i++)
            {
                var (_, senderToken) = await system.NewUserAsync("s");
                var (recipient, recipientToken) = await system.NewUserAsync("r");
                senders.Add(await system.ConnectAsync(senderToken, edge: i % 2 == 0 ? system.EdgeA : system.EdgeB));
                recipients.Add((recipient, await system.ConnectAsync(recipientToken, edge: i % 2 == 0 ? system.EdgeB : system.EdgeA)));
            }

            await system.Redis.StopAsync();
            await ScaleOutSystem.WaitForReadinessAsync(system.EdgeA, "Degraded", Patience);
            await ScaleOutSystem.WaitForReadinessAsync(system.EdgeB, "Degraded", Patience);

            var acknowledgedAt = new ConcurrentDictionary<string, TimeSpan>();
            var clock = Stopwatch.StartNew();
            var receiving = recipients.Select(r => ReceiveAsync(r.Socket, clock)).ToList();
            await Task.WhenAll(senders.Select((sender, i) => SendAsync(sender, recipients[i].Name, i, acknowledgedAt, clock)));
            var received = await Task.WhenAll(receiving);

            var delivered = received.SelectMany(r => r).ToDictionary(d => d.Id, d => d.At);
            var delays = acknowledgedAt.Where(a => delivered.ContainsKey(a.Key)).Select(a => delivered[a.Key] - a.Value).Order().ToList();
            output.WriteLine($"acknowledged {acknowledgedAt.Count}, delivered live {delays.Count}" + (delays.Count == 0 ? "" :
                $", after `sent` p50 {delays[delays.Count / 2].TotalSeconds:F2} s, max {delays[^1].TotalSeconds:F2} s"));
            Assert.Equal(Pairs * MessagesPerSender, acknowledgedAt.Count);
            Assert.All(acknowledgedAt.Keys, id => Assert.True(delivered.ContainsKey(id), $"message {id} never reached its open connection"));
            Assert.True(delays[^1] < Live, $"a message took {delays[^1].TotalSeconds:F2} s to arrive");
            for (var i = 0; i < Pairs; i++)
            {
                // In order, each once.
                var ids = received[i].Select(d => d.Id).ToList();
                Assert.Equal(ids.Order(StringComparer.Ordinal).Distinct(), ids);
            }
        }
        finally
        {
            foreach (var socket in senders.Concat(recipients.Select(r => r.Socket)))
            {
                await socket.DisposeAsync();
            }
        }
    }

    private static async Task SendAsync(WsClient sender, string recipient, int pair, ConcurrentDictionary<string, TimeSpan> acknowledgedAt, Stopwatch clock)
    {
        for (var m = 0; m < MessagesPerSender; m++)
        {
            await sender.SendJsonAsync(new { type = "send", to = recipient, text = $"p{pair} m{m}", clientId = $"p{pair}-m{m}" });
            var sent = await sender.ExpectAsync("sent", Patience);
            acknowledgedAt[Text(sent, "id")] = clock.Elapsed;
            // The senders' pace, not a wait: 20 messages/s per sender, 200/s in all, through the outage.
            await Task.Delay(50);
        }
    }

    /// <summary>The messages the recipient gets, with when, until its sender's all came or it stays silent for <see cref="Patience"/>.</summary>
    private static async Task<List<(string Id, TimeSpan At)>> ReceiveAsync(WsClient recipient, Stopwatch clock)
    {
        var got = new List<(string, TimeSpan)>();
        while (got.Count < MessagesPerSender)
        {
            var frame = await recipient.TryReceiveAsync(Patience);
            if (frame is null)
            {
                break;
            }
            if (Text(frame.Value, "type") == "message")
            {
                got.Add((Text(frame.Value, "id"), clock.Elapsed));
            }
        }
        return got;
    }
}
