using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.Realtime;
using Xunit.Abstractions;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// The cluster under live replicas changes while messages flow (a system of its own): the
/// primary that owns the recipient's slot is killed, or the slot moves to another primary. A
/// sender on replica A and one on B send to a recipient connected to A, to B, and to a third
/// replica C that publishes nothing (so nothing it sends can tell it the slot moved). Every
/// acknowledged message must reach every connection of the recipient, in order, none twice, with
/// no reconnect.
/// </summary>
public sealed class RedisClusterFaultTests(ClusterScaleOutSystem system, ITestOutputHelper output) : IClassFixture<ClusterScaleOutSystem>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Each sender waits for its `sent` and this long before the next: about 50 messages/s each.
    private static readonly TimeSpan SendPause = TimeSpan.FromMilliseconds(20);

    // Messages acknowledged before the fault, and again after the cluster is whole, before the
    // senders stop: about half a second of traffic at their pace.
    private const int Margin = 40;

    // A message delivered within this of its `sent` counts as delivered live.
    private static readonly TimeSpan LiveDelay = TimeSpan.FromMilliseconds(200);

    private static string Text(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;

    [Fact]
    public async Task When_the_primary_of_the_recipients_slot_is_killed_every_acknowledged_message_still_arrives_in_order_once()
    {
        await MessagesSurviveAsync("failover", async (cluster, slot) =>
        {
            var primary = await cluster.PrimaryOfAsync(slot);
            await primary.KillAsync();
        });
    }

    [Fact]
    public async Task When_the_recipients_slot_moves_to_another_primary_every_acknowledged_message_still_arrives_in_order_once()
    {
        await MessagesSurviveAsync("slot migration", async (cluster, slot) =>
        {
            var primary = await cluster.PrimaryOfAsync(slot);
            await cluster.MoveSlotAsync(slot, await cluster.OtherPrimaryThanAsync(primary));
        });
    }

    private async Task MessagesSurviveAsync(string fault, Func<RedisCluster, int, Task> change)
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (_, carolToken) = await system.NewUserAsync("carol");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var alice = await system.ConnectAsync(aliceToken, edge: system.EdgeA);
        await using var carol = await system.ConnectAsync(carolToken, edge: system.EdgeB);
        await using var bobOnA = await system.ConnectAsync(bobToken, edge: system.EdgeA);
        await using var bobOnB = await system.ConnectAsync(bobToken, edge: system.EdgeB);
        var replicaC = await system.StartReplicaAsync(); // stopped with the system
        await using var bobOnC = await system.ConnectAsync(bobToken, edge: replicaC);
        var slot = await system.Cluster.SlotOfAsync("chat:user:{" + bob + "}");

        var clock = Stopwatch.StartNew();
        var acknowledged = new ConcurrentDictionary<string, TimeSpan>();
        using var stop = new CancellationTokenSource();
        var sending = Task.WhenAll(
            SendUntilAsync(alice, bob, "a", acknowledged, clock, stop.Token),
            SendUntilAsync(carol, bob, "c", acknowledged, clock, stop.Token));
        var sendingDone = new TaskCompletionSource();
        var receiving = new[] { bobOnA, bobOnB, bobOnC }.Select(c => ReceiveAllAsync(c, acknowledged, sendingDone.Task, clock)).ToList();

        await Eventually.TrueAsync(() => acknowledged.Count >= Margin, $"{Margin} messages acknowledged before the fault", Patience);
        var faultAt = clock.Elapsed;
        await change(system.Cluster, slot);
        await system.Cluster.WaitHealthyAsync(Patience);
        var healthyAt = clock.Elapsed;
        var untilHealthy = acknowledged.Count;
        await Eventually.TrueAsync(() => acknowledged.Count >= untilHealthy + Margin, $"{Margin} more acknowledged once the cluster is whole", Patience);
        await stop.CancelAsync();
        await sending;
        sendingDone.SetResult();
        var received = await Task.WhenAll(receiving);

        foreach (var (name, edge) in new[] { ("A", system.EdgeA), ("B", system.EdgeB), ("C", replicaC) })
        {
            foreach (var line in edge.Process.Output.Where(l => l.Contains("\"EventId\":20", StringComparison.Ordinal)))
            {
                output.WriteLine($"Edge {name}: {line}");
            }
        }
        var ordered = acknowledged.OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        foreach (var (connection, got) in new[] { ("bob on A", received[0]), ("bob on B", received[1]), ("bob on C", received[2]) })
        {
            var ids = got.Select(g => g.Id).ToList();
            Assert.Equal(ids.Distinct().Count(), ids.Count); // none twice
            Assert.Equal(ids.Order(StringComparer.Ordinal), ids); // in order
            var missing = ordered.Select(a => a.Key).Except(ids).ToList();
            Assert.True(missing.Count == 0, $"{connection} never got {missing.Count} of {ordered.Count} acknowledged messages, e.g. {string.Join(", ", missing.Take(5))}");
            Report(fault, connection, ordered, got.ToDictionary(g => g.Id, g => g.At), faultAt, healthyAt);
        }
    }

    /// <summary>One line of figures: delivery delays and when live delivery worked again.</summary>
    private void Report(string fault, string connection, List<KeyValuePair<string, TimeSpan>> acknowledged, Dictionary<string, TimeSpan> deliveredAt,
        TimeSpan faultAt, TimeSpan healthyAt)
    {
        var delays = acknowledged.Select(a => deliveredAt[a.Key] - a.Value).Order().ToList();
        // Live again from the first acknowledgement after which every message arrived within LiveDelay.
        var liveAgain = faultAt;
        foreach (var (id, at) in acknowledged)
        {
            if (at > faultAt && deliveredAt[id] - at > LiveDelay)
            {
                liveAgain = at;
            }
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{fault}, {connection}: {acknowledged.Count} messages; cluster whole {(healthyAt - faultAt).TotalSeconds:F2} s after the fault, " +
            $"live delivery again {(liveAgain - faultAt).TotalSeconds:F2} s after it; delay after `sent` p50 {Percentile(delays, 0.50):F3} s, " +
            $"p99 {Percentile(delays, 0.99):F3} s, max {delays[^1].TotalSeconds:F3} s"));
    }

    private static double Percentile(List<TimeSpan> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))].TotalSeconds;

    private static async Task SendUntilAsync(WsClient sender, string recipient, string name, ConcurrentDictionary<string, TimeSpan> acknowledged,
        Stopwatch clock, CancellationToken stop)
    {
        for (var m = 0; !stop.IsCancellationRequested; m++)
        {
            await sender.SendJsonAsync(new { type = "send", to = recipient, text = $"{name} {m}", clientId = $"{name}-{m}" });
            var sent = await sender.ExpectAsync("sent", Patience);
            acknowledged[Text(sent, "id")] = clock.Elapsed;
            // The senders' pace, not a wait: a steady stream for the fault to fall into.
            await Task.Delay(SendPause, CancellationToken.None);
        }
    }

    /// <summary>The messages a connection gets, with when, until every acknowledged one came after the senders stopped, or <see cref="Patience"/> passed.</summary>
    private static async Task<List<(string Id, TimeSpan At)>> ReceiveAllAsync(WsClient connection, ConcurrentDictionary<string, TimeSpan> acknowledged,
        Task sendingDone, Stopwatch clock)
    {
        var got = new List<(string Id, TimeSpan At)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        TimeSpan? giveUpAt = null;
        while (true)
        {
            if (sendingDone.IsCompleted)
            {
                giveUpAt ??= clock.Elapsed + Patience;
                if (acknowledged.Keys.All(seen.Contains) || clock.Elapsed > giveUpAt)
                {
                    return got;
                }
            }
            var frame = await connection.TryReceiveAsync(TimeSpan.FromMilliseconds(200));
            if (frame is { } f && Text(f, "type") == "message")
            {
                var id = Text(f, "id");
                got.Add((id, clock.Elapsed));
                seen.Add(id);
            }
        }
    }
}
