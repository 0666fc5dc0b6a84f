using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Chat.Edge.Bus;
using Chat.Edge.Observability;
using Chat.Edge.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Chat.BusBench;

/// <summary>
/// Bytes allocated per delivered message by the Edge's side of the bus (docs/benchmarks.md, "Bytes
/// once"): two product buses in one process, "Edge A" publishing what its message path would
/// (<see cref="SenderWork"/>) and "Edge B" receiving it for its connected users, each taking the
/// frame its connection would write. Everything the process allocates while the messages cross
/// (both buses, StackExchange.Redis, the frames) is counted with
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> and divided by the messages delivered on B.
/// Publishers await one publish at a time, as a sending connection does.
/// </summary>
public static class AllocationBench
{
    private static readonly DateTime SentAt = new(2026, 12, 6, 13, 0, 0, DateTimeKind.Utc);

    // Usage: Chat.BusBench allocations --redis HOST:PORT [--messages 20000] [--members 10] [--publishers 8]
    public static async Task RunAsync(IReadOnlyDictionary<string, string> options)
    {
        var connectionString = options["redis"];
        var messages = int.Parse(options.GetValueOrDefault("messages", "20000"), CultureInfo.InvariantCulture);
        var members = int.Parse(options.GetValueOrDefault("members", "10"), CultureInfo.InvariantCulture);
        var publishers = int.Parse(options.GetValueOrDefault("publishers", "8"), CultureInfo.InvariantCulture);

        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var redisOptions = Options.Create(new RedisOptions { ConnectionString = connectionString });
        var run = Guid.NewGuid().ToString("N")[..6];
        var onB = Enumerable.Range(0, 200).Select(i => $"alloc{run}b{i}").ToArray();
        var (a, connectionA, _) = StartEdge("a", redisOptions, meters, new HashSet<string>(StringComparer.Ordinal));
        var (b, connectionB, deliveryB) = StartEdge("b", redisOptions, meters, onB.ToHashSet(StringComparer.Ordinal));
        foreach (var user in onB)
        {
            await b.SubscribeAsync(user);
        }
        // A message of the size of a short chat line (as bench/BusBench's throughput run), not ASCII-only.
        var text = string.Concat(Enumerable.Repeat("héllo wörld ", 10));
        var groups = onB.Chunk(members)
            .Select(chunk => (IDictionary<string, string>)chunk.ToDictionary(m => m, _ => "00000000000000000001", StringComparer.Ordinal))
            .ToArray();

        Task Direct(int n) => SenderWork.PublishDirectAsync(a, Id(n), Id(n - 1), "sender", onB[n % onB.Length], text, SentAt);
        Task Group(int n) => SenderWork.PublishGroupAsync(a, Id(n), groups[n % groups.Length], "sender", "g" + (n % groups.Length).ToString(CultureInfo.InvariantCulture), text, SentAt);

        await MeasureAsync(Direct, messages / 10, publishers, deliveryB, perMessage: 1); // warm-up: JIT, pools, connections
        var direct = await MeasureAsync(Direct, messages, publishers, deliveryB, perMessage: 1);
        await MeasureAsync(Group, messages / 10 / members, publishers, deliveryB, perMessage: members);
        var group = await MeasureAsync(Group, messages / members, publishers, deliveryB, perMessage: members);

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            label = options.GetValueOrDefault("label", ""),
            messages,
            members,
            publishers,
            directBytesPerDelivered = direct.BytesPerDelivered,
            directFrameBytes = direct.FrameBytes,
            groupBytesPerDelivered = group.BytesPerDelivered,
            groupFrameBytes = group.FrameBytes,
        }));
        connectionA.Dispose();
        connectionB.Dispose();
    }

    private static string Id(int n) => Math.Max(0, n).ToString("D20", CultureInfo.InvariantCulture);

    private static (IMessageBus Bus, RedisConnection Connection, ConnectedDelivery Delivery) StartEdge(
        string name, IOptions<RedisOptions> options, IMeterFactory meters, IReadOnlySet<string> connected)
    {
        var node = new NodeIdentity($"alloc-{name}-{Guid.NewGuid():N}");
        var connection = new RedisConnection(options, node, NullLogger<RedisConnection>.Instance);
        var delivery = new ConnectedDelivery(connected);
        var bus = new RedisMessageBus(connection, delivery, node, new RedisFailureLog(options, TimeProvider.System, NullLogger<RedisFailureLog>.Instance),
            new EdgeMetrics(meters), NullLogger<RedisMessageBus>.Instance);
        return (bus, connection, delivery);
    }

    /// <summary>Sends <paramref name="count"/> messages and waits until B has delivered all of them.</summary>
    private static async Task<(long BytesPerDelivered, long FrameBytes)> MeasureAsync(
        Func<int, Task> send, int count, int publishers, ConnectedDelivery delivery, int perMessage)
    {
        var target = delivery.Delivered + (long)count * perMessage;
        var framesBefore = delivery.FrameBytes;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(_ => Task.Run(async () =>
        {
            for (var n = Interlocked.Increment(ref next); n < count; n = Interlocked.Increment(ref next))
            {
                await send(n);
            }
        })));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (delivery.Delivered < target)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{target - delivery.Delivered} of {count * perMessage} messages never arrived");
            }
            await Task.Delay(5);
        }
        var after = GC.GetTotalAllocatedBytes(precise: true);
        long delivered = (long)count * perMessage;
        return ((after - before) / delivered, (delivery.FrameBytes - framesBefore) / delivered);
    }
}
