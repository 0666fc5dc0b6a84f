using System.Collections.Concurrent;
using Chat.Contracts.Chat.V1;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Messages;

/// <summary>
/// The ordering promise under real concurrency: two ChatService processes write to the same
/// recipients at once while a reader syncs; the reader never finds a message below its cursor.
/// </summary>
public sealed class ConcurrentReplicasTests
{
    [Fact]
    public async Task Two_replicas_writing_at_once_never_make_an_id_appear_below_a_readers_cursor()
    {
        await using var first = await ChatServiceHost.StartAsync(nodeId: 1);
        await using var second = await ChatServiceHost.StartAsync(first.ConnectionString, nodeId: 2);
        var recipients = new[] { "r-one", "r-two" };
        const int PerWriter = 100;
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var client = w % 2 == 0 ? first.Client : second.Client;
            for (var i = 0; i < PerWriter; i++)
            {
                await client.StoreMessageAsync(new StoreMessageRequest { Sender = $"w{w}", Recipient = recipients[i % 2], Text = $"{w}:{i}" });
            }
        })).ToArray();

        // The reader pages through with its cursor, as a connection does; a message that became
        // visible below the cursor would never be seen, so at the end it would be missing.
        var seen = recipients.ToDictionary(r => r, _ => new List<string>());
        var violations = new ConcurrentBag<string>();
        async Task ReadOnce()
        {
            foreach (var recipient in recipients)
            {
                var cursor = seen[recipient].LastOrDefault() ?? "";
                var page = await first.Client.SyncMessagesAsync(new SyncMessagesRequest { User = recipient, After = cursor, Limit = 500 });
                foreach (var message in page.Messages)
                {
                    if (string.CompareOrdinal(message.Id, cursor) <= 0)
                    {
                        violations.Add($"{message.Id} after {cursor}");
                    }
                    cursor = message.Id;
                    seen[recipient].Add(message.Id);
                }
            }
        }
        while (!writers.All(w => w.IsCompleted))
        {
            await ReadOnce();
        }
        await Task.WhenAll(writers);
        await ReadOnce();

        Assert.Empty(violations);
        foreach (var recipient in recipients)
        {
            var all = await first.Client.SyncMessagesAsync(new SyncMessagesRequest { User = recipient, Limit = 500 });
            var stored = all.Messages.Select(m => m.Id).ToList();
            Assert.Equal(8 * PerWriter / 2, stored.Count);
            Assert.Equal(stored, seen[recipient]); // the reader saw every message, exactly once, in order
        }
    }
}
