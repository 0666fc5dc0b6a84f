using System.Globalization;

namespace Chat.IntegrationTests.Realtime;

/// <summary>The ordering check both the single-Edge and the two-replica tests make.</summary>
public static class OrderedStream
{
    /// <summary>
    /// <paramref name="from"/> sends <paramref name="count"/> numbered messages to
    /// <paramref name="recipient"/> as fast as it can while <paramref name="to"/> reads; every
    /// message must arrive once, in the order sent, with ids in ordinal order.
    /// </summary>
    public static async Task SendAndExpectInOrderAsync(ChatClient from, ChatClient to, string recipient, int count)
    {
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await from.SendTextAsync($"{recipient} {i}");
            }
        });
        var texts = new List<string>();
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var message = await to.ExpectAsync("message");
            texts.Add(message.GetProperty("text").GetString()!);
            ids.Add(message.GetProperty("id").GetString()!);
        }
        await sending;
        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)), texts);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(count, ids.Distinct().Count());
    }
}
