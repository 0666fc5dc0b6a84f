using System.Diagnostics;
using System.Text.Json;
using Chat.Client;
using Chat.LoadGen;

// The load generator (docs/loadgen.md): signs up users, opens connections, sends on an open-loop
// schedule, and prints one JSON result on stdout; progress goes to stderr.
var options = LoadOptions.Parse(args);
// Below 10,000 messages/s the generator hands no frame to another thread: the schedule's thread
// sends each due frame itself (SendOrPost), and socket completions run on the runtime's socket
// threads instead of each being queued to the thread pool (what follows a receive here is a few
// microseconds that never block). Each hand-off woke a pool thread and cost more CPU than the work
// handed off, on the cores the servers need: against the full system, 19-38% less of the
// generator's CPU per message without them. From 10,000/s (the relay-only Edge's and the Node.js
// relay's sweeps) it works as before, through the pool: there a schedule that sent every frame
// itself fell behind, inline completions put the relay-only Edge's delivery p50 at 40,000/s at
// 2.6-2.9 s against 0.1-1.4 s pooled, and direct sends with pooled completions doubled its p99 at
// 20,000/s (docs/loadgen.md, "The generator's own cost"). The runtime reads the completions
// setting once, when the first socket is made, so it is set before anything opens one; a value
// given in the environment is kept.
var throughPool = options.Rate >= 10_000;
const string inlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(inlineCompletions) is null && !throughPool)
{
    Environment.SetEnvironmentVariable(inlineCompletions, "1");
}
var socketCompletions = Environment.GetEnvironmentVariable(inlineCompletions) == "1" ? "inline" : "pool";
var rssBefore = EdgeMemory.TotalRssBytes(options.EdgePids);
var targets = options.Targets;

if (options.Idle)
{
    // Idle connections of many users (a user with thousands of connections is not what a server
    // is built for); a relay takes any name, accounts cost a password hash each, so they are shared.
    IReadOnlyList<(string Name, string? Token)> owners = options.Relay
        ? [.. Enumerable.Range(0, options.Connections).Select(i => ($"{options.Prefix}idle{i}", (string?)null))]
        : [.. (await Accounts.SignUpAsync(targets[0], options.Prefix + "idle", Math.Min(options.Connections, options.IdleUsers))).Select(u => (u.Name, (string?)u.Token))];
    var baseline = EdgeMemory.TotalRssBytes(options.EdgePids); // after the sign-ups, which cost the Edges memory too
    var idle = new List<ChatClient>();
    foreach (var chunk in Enumerable.Range(0, options.Connections).Chunk(200))
    {
        idle.AddRange(await Task.WhenAll(chunk.Select(i => ConnectIdleAsync(targets[i % targets.Count], owners[i % owners.Count].Name, owners[i % owners.Count].Token))));
        Console.Error.WriteLine($"{idle.Count} idle connections");
    }
    await Task.Delay(options.Hold); // let the servers settle
    GC.KeepAlive(idle);
    var rssAfter = EdgeMemory.TotalRssBytes(options.EdgePids);
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        mode = "idle",
        connections = idle.Count,
        edgeRssBeforeBytes = baseline,
        edgeRssAfterBytes = rssAfter,
        bytesPerConnection = baseline is null || rssAfter is null ? (double?)null : (double)(rssAfter - baseline) / idle.Count,
    }));
    idle.ForEach(c => c.Abort());
    return;
}

List<(string Name, string? Token)> users = options.Relay
    ? [.. Enumerable.Range(0, options.Connections).Select(i => ($"{options.Prefix}{i}", (string?)null))]
    : [.. (await Accounts.SignUpAsync(targets[0], options.Prefix, options.Connections)).Select(u => (u.Name, (string?)u.Token))];
Console.Error.WriteLine($"{users.Count} users signed up");
// pairs: both ends of a pair on one target; spread: the two ends on different targets.
int TargetOf(int user) => options.Pattern == "pairs" ? user / 2 % targets.Count : user % targets.Count;
var clients = new ChatClient[users.Count];
foreach (var chunk in Enumerable.Range(0, users.Count).Chunk(100))
{
    await Task.WhenAll(chunk.Select(async i => clients[i] = await ConnectAsync(targets[TargetOf(i)], users[i].Name, users[i].Token)));
}
var rssConnected = EdgeMemory.TotalRssBytes(options.EdgePids);
Console.Error.WriteLine($"{clients.Length} connections open");
await Task.Delay(options.Settle);

// The warm-up: the first seconds of messages at the same rate, counted for loss but not timed.
// This process is new for every run, and its first seconds compile its code (up to half a
// second of JIT a second here): timed, that would be the generator's latency, not the servers'.
var measuredFrom = (long)(options.Rate * options.Warmup.TotalSeconds);
var total = measuredFrom + (long)(options.Rate * options.Duration.TotalSeconds);
var measurements = new Measurements(total, measuredFrom, options.Duration);
using var stop = new CancellationTokenSource();
var running = clients.Select(c => c.RunUtf8Async(measurements.OnFrame, stop.Token)).ToArray();

// Who sends to whom.
var senders = options.Pattern == "fanin" ? clients[1..] : clients;
string RecipientOf(int senderIndex) => options.Pattern == "fanin"
    ? users[0].Name
    : users[(senderIndex ^ 1) < users.Count ? senderIndex ^ 1 : senderIndex - 1].Name;
var senderOffset = options.Pattern == "fanin" ? 1 : 0;
var frames = senders.Select((_, i) => new SendFrames(RecipientOf(i + senderOffset))).ToArray();

var start = measurements.Now;
var collectionsBefore = OwnCollections.SoFar();
var cpuBefore = OwnCpu.SoFar();
var ticksPerMessage = Stopwatch.Frequency / options.Rate;
var nextProgress = TimeSpan.FromSeconds(1);
var clock = Stopwatch.StartNew();
var k = 0L;
await Pacer.RunAsync(() =>
{
    // Everything due by now goes out, each stamped with the time it was due.
    var due = Math.Min(total, (long)((measurements.Now - start) / ticksPerMessage) + 1);
    for (; k < due; k++)
    {
        var senderIndex = (int)(k % senders.Length);
        measurements.Scheduled(k, start + (long)(k * ticksPerMessage));
        var frame = frames[senderIndex].For(k);
        if (throughPool)
        {
            senders[senderIndex].Post(frame);
        }
        else
        {
            senders[senderIndex].SendOrPost(frame);
        }
    }
    if (clock.Elapsed >= nextProgress)
    {
        Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds:F0}s sent {measurements.Sent} delivered {measurements.Delivered}");
        nextProgress += TimeSpan.FromSeconds(1);
    }
    return k < total;
});
var sendSeconds = clock.Elapsed.TotalSeconds;
await Task.Delay(options.Drain);
await stop.CancelAsync();
foreach (var client in clients)
{
    client.Abort();
}
await Task.WhenAll(running);
var ownCollections = collectionsBefore.Until(OwnCollections.SoFar());
var ownCpu = cpuBefore.Until(OwnCpu.SoFar(), measurements.Sent);

Console.WriteLine(JsonSerializer.Serialize(new
{
    mode = options.Pattern,
    targets = targets.Select(t => t.ToString()),
    connections = clients.Length,
    targetRate = options.Rate,
    seconds = sendSeconds,
    result = measurements.Summary(sendSeconds),
    generatorCollections = ownCollections,
    generatorCpu = ownCpu,
    generatorSends = throughPool ? "pumps" : "direct",
    generatorSocketCompletions = socketCompletions,
    edgeBytesPerConnection = rssBefore is null || rssConnected is null ? (double?)null : (double)(rssConnected - rssBefore) / clients.Length,
}, new JsonSerializerOptions { WriteIndented = true }));

// A relay takes the user from ?user= (no token); a bulk of connections may take longer than one
// test's patience to open, so no time limit.
static Task<ChatClient> ConnectAsync(Uri target, string user, string? token) =>
    ChatClient.ConnectAsync(target, token, relayUser: token is null ? user : null, timeout: Timeout.InfiniteTimeSpan);

// An idle connection reads, and drops what it reads: a client answers the server's keep-alive
// pings only while a receive is pending, and the Edge drops a connection whose ping goes
// unanswered (25 s interval + 60 s timeout), so one that never read was closed 85 s after it
// opened, in the middle of any measurement held longer (KeepAliveTests).
static async Task<ChatClient> ConnectIdleAsync(Uri target, string user, string? token)
{
    var client = await ConnectAsync(target, user, token);
    _ = client.RunUtf8Async(static _ => { }, CancellationToken.None);
    return client;
}
