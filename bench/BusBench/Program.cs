using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Chat.BusBench;
using Chat.Edge.Bus;
using Chat.Edge.Observability;
using Chat.Edge.Protocol;
using Chat.Edge.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

// Usage: Chat.BusBench --redis CONNECTION --pids PID,PID,… [--channels product|classic] [--users 2000]
//                      [--publishers 64] [--seconds 10] [--label TEXT]
// Two buses ("Edge A" and "Edge B") on one Redis or one cluster; half the users are subscribed on
// each. Publishers on each bus publish, one awaited publish at a time as a sending connection
// does, to users subscribed on the other. Prints one JSON line: messages delivered across per
// second, and each Redis process's CPU per delivered message. --channels classic runs the
// benchmark's own classic pub/sub bus (the product shards on a cluster).
// Chat.BusBench allocations --redis HOST:PORT …: bytes allocated per delivered message instead
// (AllocationBench.cs, run by bench/bus-allocations.sh).
if (args is ["allocations", .. var rest])
{
    await AllocationBench.RunAsync(ParseArgs(rest, "redis"));
    return;
}
var options = ParseArgs(args, "redis", "pids");
var connectionString = options["redis"];
var pids = options["pids"].Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
var classic = options.GetValueOrDefault("channels", "product") == "classic";
var users = int.Parse(options.GetValueOrDefault("users", "2000"), CultureInfo.InvariantCulture);
var publishers = int.Parse(options.GetValueOrDefault("publishers", "64"), CultureInfo.InvariantCulture);
var seconds = double.Parse(options.GetValueOrDefault("seconds", "10"), CultureInfo.InvariantCulture);
var label = options.GetValueOrDefault("label", connectionString);

var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
var redisOptions = Options.Create(new RedisOptions { ConnectionString = connectionString });
(IMessageBus Bus, CountingDelivery Delivery, RedisConnection Connection) StartEdge(string name)
{
    var node = new NodeIdentity($"bench-{name}-{Guid.NewGuid():N}");
    var connection = new RedisConnection(redisOptions, node, NullLogger<RedisConnection>.Instance);
    var delivery = new CountingDelivery();
    IMessageBus bus = classic
        ? new ClassicClusterBus(connection, node, delivery)
        : new RedisMessageBus(connection, delivery, node, new RedisFailureLog(redisOptions, TimeProvider.System, NullLogger<RedisFailureLog>.Instance),
            new EdgeMetrics(meters), NullLogger<RedisMessageBus>.Instance);
    return (bus, delivery, connection);
}

var a = StartEdge("a");
var b = StartEdge("b");
var run = Guid.NewGuid().ToString("N")[..6];
var onA = Enumerable.Range(0, users / 2).Select(i => $"bus{run}a{i}").ToArray();
var onB = Enumerable.Range(0, users / 2).Select(i => $"bus{run}b{i}").ToArray();
foreach (var chunk in onA.Chunk(100))
{
    await Task.WhenAll(chunk.Select(a.Bus.SubscribeAsync));
}
foreach (var chunk in onB.Chunk(100))
{
    await Task.WhenAll(chunk.Select(b.Bus.SubscribeAsync));
}

var text = new string('x', 120); // with the envelope, about 300 bytes on the wire, as a short chat message
using var stop = new CancellationTokenSource();
long published = 0;
async Task PublishAsync(IMessageBus bus, string[] recipients, int seed)
{
    var random = new Random(seed);
    for (var n = 0; !stop.IsCancellationRequested; n++)
    {
        var to = recipients[random.Next(recipients.Length)];
        var id = $"{n:D20}";
        var message = BusEvent.ForMessage(id, "", ServerFrames.Message(id, "sender", to, null, text, DateTime.UtcNow));
        await bus.PublishAsync(to, message, CancellationToken.None);
        Interlocked.Increment(ref published);
    }
}

// Local deliveries of the publishing side are counted too; only what crossed Redis is reported.
long Crossed() => a.Delivery.Delivered + b.Delivery.Delivered - Interlocked.Read(ref published);
var load = Enumerable.Range(0, publishers).Select(i => Task.Run(() => i % 2 == 0 ? PublishAsync(a.Bus, onB, i) : PublishAsync(b.Bus, onA, i))).ToArray();
await Task.Delay(TimeSpan.FromSeconds(2)); // warm-up: connections, JIT, pools
// The nodes in the order of --pids (bench/bus.sh gives them in the order of the connection string).
var endPoints = connectionString.Split(',').Where(part => !part.Contains('=', StringComparison.Ordinal)).Select(part => part.Trim()).ToArray();
var ioBefore = await Task.WhenAll(endPoints.Select(RedisIoCounters.ReadAsync));
var cpuBefore = pids.Select(RedisCpu.MicrosecondsOf).ToArray();
var selfBefore = Process.GetCurrentProcess().TotalProcessorTime;
var crossedBefore = Crossed();
var clock = Stopwatch.StartNew();
await Task.Delay(TimeSpan.FromSeconds(seconds));
var crossedAfter = Crossed();
var elapsed = clock.Elapsed.TotalSeconds;
var cpuAfter = pids.Select(RedisCpu.MicrosecondsOf).ToArray();
var ioAfter = await Task.WhenAll(endPoints.Select(RedisIoCounters.ReadAsync));
var selfAfter = Process.GetCurrentProcess().TotalProcessorTime;
await stop.CancelAsync();
await Task.WhenAll(load);

var delivered = crossedAfter - crossedBefore;
var perNode = pids.Select((_, i) => Math.Round((cpuAfter[i] - cpuBefore[i]) / (double)delivered, 2)).ToArray();
var result = new
{
    label,
    channels = classic ? "classic" : a.Connection.IsCluster ? "sharded" : "classic (one Redis)",
    users,
    publishers,
    seconds = Math.Round(elapsed, 1),
    messagesPerSecond = Math.Round(delivered / elapsed),
    redisCpuMicrosecondsPerMessage = perNode,
    redisCpuUtilisation = pids.Select((_, i) => Math.Round((cpuAfter[i] - cpuBefore[i]) / (elapsed * 1_000_000), 2)).ToArray(),
    // Socket reads and writes per delivered message: below 1 when one read or write carries several.
    redisReadsPerMessage = endPoints.Select((_, i) => Math.Round((ioAfter[i].Reads - ioBefore[i].Reads) / (double)delivered, 3)).ToArray(),
    redisWritesPerMessage = endPoints.Select((_, i) => Math.Round((ioAfter[i].Writes - ioBefore[i].Writes) / (double)delivered, 3)).ToArray(),
    benchCpuMicrosecondsPerMessage = Math.Round((selfAfter - selfBefore).TotalMicroseconds / delivered, 2),
};
Console.WriteLine(JsonSerializer.Serialize(result));
a.Connection.Dispose();
b.Connection.Dispose();

static Dictionary<string, string> ParseArgs(string[] args, params string[] requiredNames)
{
    var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"expected --name value, got {args[i]}");
        }
        parsed[args[i][2..]] = args[i + 1];
    }
    foreach (var required in requiredNames)
    {
        if (!parsed.ContainsKey(required))
        {
            throw new ArgumentException($"--{required} is required (see the usage at the top of Program.cs)");
        }
    }
    return parsed;
}
