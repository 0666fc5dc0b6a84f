using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Client;
using HdrHistogram;

// Usage: Chat.GroupFanout [EDGE_URLS] [MEMBERS] [MESSAGES] [PER_SECOND]
// EDGE_URLS: one or more Edge addresses, comma-separated (members are spread over them; straight to
// the Edges, because the gateway's register/login limit would make signing up 100 users slow).
// Registers MEMBERS users, connects every one of them, creates a
// group of all of them, sends MESSAGES group messages at PER_SECOND, and reports, for each, the time
// from send to its delivery at the last member — and the same for 1:1 messages between two of them.
var edges = (args.ElementAtOrDefault(0) ?? "http://127.0.0.1:5001,http://127.0.0.1:5002").Split(',').Select(u => new Uri(u)).ToArray();
var baseUrl = edges[0];
var memberCount = int.Parse(args.ElementAtOrDefault(1) ?? "100", System.Globalization.CultureInfo.InvariantCulture);
var messages = int.Parse(args.ElementAtOrDefault(2) ?? "200", System.Globalization.CultureInfo.InvariantCulture);
var perSecond = double.Parse(args.ElementAtOrDefault(3) ?? "10", System.Globalization.CultureInfo.InvariantCulture);
using var http = new HttpClient { BaseAddress = baseUrl };
var run = Guid.NewGuid().ToString("N")[..6];

Console.Error.WriteLine($"registering {memberCount} users");
var tokens = new List<(string Name, string Token)>();
foreach (var chunk in Enumerable.Range(0, memberCount).Chunk(10))
{
    tokens.AddRange(await Task.WhenAll(chunk.Select(async i =>
    {
        var name = $"fan{run}{i}";
        var credentials = new { username = name, password = "benchmark-password" };
        await http.PostAsJsonAsync("/api/auth/register", credentials);
        var login = await http.PostAsJsonAsync("/api/auth/login", credentials);
        login.EnsureSuccessStatusCode();
        return (name, (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
    })));
}
http.DefaultRequestHeaders.Authorization = new("Bearer", tokens[0].Token);
var created = await http.PostAsJsonAsync("/api/groups", new { name = "fan-out", members = tokens.Skip(1).Select(t => t.Name) });
created.EnsureSuccessStatusCode();
var group = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

Console.Error.WriteLine("connecting every member");
var clients = await Task.WhenAll(tokens.Select((t, i) => ChatClient.ConnectAsync(edges[i % edges.Length], t.Token, timeout: Timeout.InfiniteTimeSpan)));

// Every member counts, per message text, when it arrived; the last arrival is the fan-out's end.
var clock = Stopwatch.StartNew();
var sentAt = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
var remaining = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
var groupLatency = new LongHistogram(TimeStamp.Minutes(1), 3);
var directLatency = new LongHistogram(TimeStamp.Minutes(1), 3);
using var stop = new CancellationTokenSource();
var readers = clients.Select(client => client.RunAsync(frame =>
{
    if (!ServerFrame.Is(frame, "message"))
    {
        return;
    }
    var text = frame.GetProperty("text").GetString()!;
    if (remaining.AddOrUpdate(text, 0, (_, left) => left - 1) == 0 && sentAt.TryGetValue(text, out var start))
    {
        var micros = (clock.ElapsedTicks - start) * 1_000_000 / Stopwatch.Frequency;
        var latency = text.StartsWith('g') ? groupLatency : directLatency;
        lock (latency)
        {
            latency.RecordValue(micros);
        }
    }
}, stop.Token)).ToArray();

async Task SendAll(string prefix, int receivers, Func<int, object> frame)
{
    var interval = TimeSpan.FromSeconds(1 / perSecond);
    var started = clock.Elapsed;
    for (var i = 0; i < messages; i++)
    {
        var due = started + (interval * i);
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed);
        }
        var text = $"{prefix}{i}";
        remaining[text] = receivers;
        sentAt[text] = clock.ElapsedTicks;
        await clients[0].SendJsonAsync(frame(i));
    }
    await Task.Delay(3000); // drain
}

Console.Error.WriteLine($"sending {messages} group messages at {perSecond}/s to {memberCount} members");
var groupStarted = clock.Elapsed;
await SendAll("g", memberCount, i => new { type = "send", group, text = $"g{i}" });
var groupSeconds = (clock.Elapsed - groupStarted).TotalSeconds - 3;
Console.Error.WriteLine($"sending {messages} 1:1 messages at {perSecond}/s");
await SendAll("d", 1, i => new { type = "send", to = tokens[1].Name, text = $"d{i}" });

static object Summary(LongHistogram h) => new
{
    count = h.TotalCount,
    p50Ms = h.GetValueAtPercentile(50) / 1000.0,
    p99Ms = h.GetValueAtPercentile(99) / 1000.0,
    maxMs = h.GetMaxValue() / 1000.0,
};
Console.WriteLine(JsonSerializer.Serialize(new
{
    members = memberCount,
    messages,
    perSecond,
    groupDeliveriesPerSecond = groupLatency.TotalCount * memberCount / groupSeconds,
    groupSendToLastMember = Summary(groupLatency),
    directSendToRecipient = Summary(directLatency),
}, new JsonSerializerOptions { WriteIndented = true }));
await stop.CancelAsync();
foreach (var client in clients)
{
    client.Abort();
}
await Task.WhenAll(readers);
