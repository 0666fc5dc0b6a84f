using System.Collections.Concurrent;
using Chat.Contracts.Chat.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// Ids stay ordered with several replicas writing at once: two ChatService processes on one
/// PostgreSQL, concurrent writers to the same recipients through both (1:1 and to a group of
/// them all), and a reader syncing
/// meanwhile. The reader re-reads each inbox from the start every round: a message that shows up
/// below what it has already seen would be one an `?after` client had skipped for good.
/// </summary>
public sealed class ChatServiceOrderingTests(ChatServiceHost host) : IClassFixture<ChatServiceHost>
{
    private const int Writers = 8;
    private const int MessagesPerWriter = 40;

    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task A_reader_never_finds_a_message_below_an_id_it_has_seen_while_two_replicas_write()
    {
        var second = await host.StartReplicaAsync(host.ConnectionString);
        GrpcChannel[] replicas = [host.Channel, second];
        var run = Guid.NewGuid().ToString("N")[..6];
        var recipients = Enumerable.Range(0, 3).Select(i => $"r{i}-{run}").ToArray();
        await host.RegisterAsync([.. recipients, .. Enumerable.Range(0, Writers).Select(w => $"w{w}-{run}")]);
        var stored = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        foreach (var r in recipients)
        {
            stored[r] = [];
        }

        // The last writer sends to a group of every recipient: group messages interleave with 1:1 ones.
        var groupWriter = $"w{Writers - 1}-{run}";
        var createGroup = new CreateGroupRequest { Owner = groupWriter, Name = "everyone" };
        createGroup.Members.AddRange(recipients);
        var group = await new Contracts.Chat.V1.ChatService.ChatServiceClient(replicas[1]).CreateGroupAsync(createGroup, Deadline);

        using var writing = new CancellationTokenSource();
        var reader = Task.Run(() => ReadWhileWritingAsync(new(replicas[0]), recipients, writing.Token));
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            // Writers are recipients too, now and then, so both directions of conversations interleave.
            var sender = w < recipients.Length ? recipients[w] : $"w{w}-{run}";
            for (var i = 0; i < MessagesPerWriter; i++)
            {
                var client = new Contracts.Chat.V1.ChatService.ChatServiceClient(replicas[(w + i) % replicas.Length]);
                if (sender == groupWriter)
                {
                    var toAll = await client.StoreMessageAsync(new StoreMessageRequest { Sender = sender, GroupId = group.Id, Text = $"{w}/{i}", ClientId = $"{w}/{i}" }, Deadline);
                    foreach (var r in recipients)
                    {
                        stored[r].Add(toAll.Id);
                    }
                    continue;
                }
                var to = recipients[(w * 7 + i) % recipients.Length];
                var answer = await client.StoreMessageAsync(new StoreMessageRequest { Sender = sender, Recipient = to, Text = $"{w}/{i}", ClientId = $"{w}/{i}" }, Deadline);
                stored[to].Add(answer.Id);
            }
        })).ToArray();

        await Task.WhenAll(writers);
        await writing.CancelAsync();
        var (violations, rounds, seen) = await reader;

        Assert.Empty(violations);
        Assert.True(rounds > 1, "the reader ran while the writers wrote");
        var client = new Contracts.Chat.V1.ChatService.ChatServiceClient(replicas[1]);
        foreach (var r in recipients)
        {
            var all = await ReadAllAsync(client, r);
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.Equal(stored[r].Order(StringComparer.Ordinal), all);
            Assert.Equal(all, seen[r]);
        }
    }

    private static async Task<(HashSet<string> Violations, int Rounds, Dictionary<string, List<string>> Seen)> ReadWhileWritingAsync(
        Contracts.Chat.V1.ChatService.ChatServiceClient client, string[] recipients, CancellationToken writing)
    {
        var seen = recipients.ToDictionary(r => r, _ => new List<string>());
        var violations = new HashSet<string>();
        var rounds = 0;
        var lastRound = false;
        while (!lastRound)
        {
            // One more round after the writers finish, so the reader ends having seen everything.
            lastRound = writing.IsCancellationRequested;
            rounds++;
            foreach (var r in recipients)
            {
                var cursor = seen[r].Count == 0 ? "" : seen[r][^1];
                var everything = await ReadAllAsync(client, r);
                var known = seen[r].ToHashSet();
                violations.UnionWith(everything
                    .Where(id => string.CompareOrdinal(id, cursor) <= 0 && !known.Contains(id))
                    .Select(id => $"{r}: {id} appeared below the cursor {cursor}"));
                // The incremental read a resuming client does: everything after its cursor.
                string after = cursor;
                bool more;
                do
                {
                    var page = await client.SyncMessagesAsync(new SyncMessagesRequest { User = r, After = after, Limit = 7 }, Deadline);
                    seen[r].AddRange(page.Messages.Select(m => m.Id));
                    after = page.Messages.Count > 0 ? page.Messages[^1].Id : after;
                    more = page.HasMore;
                }
                while (more);
            }
        }
        return (violations, rounds, seen);
    }

    private static async Task<List<string>> ReadAllAsync(Contracts.Chat.V1.ChatService.ChatServiceClient client, string user)
    {
        var ids = new List<string>();
        var page = await client.SyncMessagesAsync(new SyncMessagesRequest { User = user, After = "", Limit = 500 }, Deadline);
        ids.AddRange(page.Messages.Select(m => m.Id));
        while (page.HasMore)
        {
            page = await client.SyncMessagesAsync(new SyncMessagesRequest { User = user, After = ids[^1], Limit = 500 }, Deadline);
            ids.AddRange(page.Messages.Select(m => m.Id));
        }
        return ids;
    }
}
