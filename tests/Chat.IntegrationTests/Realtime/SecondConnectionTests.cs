using System.Globalization;
using System.Text.Json;

namespace Chat.IntegrationTests.Realtime;

/// <summary>
/// Delivery marks written almost at once, so that a user's first connection moves the shared
/// mark while the second is still starting: the window in which a second connection used to
/// drop a live message it had already queued (issue 16).
/// </summary>
public sealed class EagerMarksChatSystem : ChatSystem
{
    public EagerMarksChatSystem()
    {
        EdgeSettings["Realtime__DeliveryMarkFlushInterval"] = "00:00:00.001";
        EdgeSettings["Realtime__MessagesPerSecond"] = "1000000";
        EdgeSettings["Realtime__Burst"] = "1000000";
    }
}

public sealed class SecondConnectionTests(EagerMarksChatSystem system) : IClassFixture<EagerMarksChatSystem>
{
    private const int Connects = 100;
    private const int SentAfterEachConnect = 5;

    [Fact]
    public async Task A_connection_opened_while_another_of_the_user_receives_gets_every_message_sent_after_it_opened()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        await using var alice = await system.ConnectAsync(aliceToken);
        await using var bobFirst = await system.ConnectAsync(bobToken);
        bobFirst.StartReading(); // reads, and so keeps moving the mark, throughout

        using var stop = new CancellationTokenSource();
        var sent = 0; // the number of the last message whose frame alice has written
        var sending = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var number = sent + 1;
                await alice.SendTextAsync($"{bob} {number}");
                Volatile.Write(ref sent, number);
                await alice.ExpectAsync("sent"); // one at a time, so they are stored in this order
            }
        });

        try
        {
            for (var connect = 0; connect < Connects; connect++)
            {
                await using var bobAgain = await system.ConnectAsync(bobToken);
                // Every message written after the connection opened must reach it.
                var firstOwed = Volatile.Read(ref sent) + 1;
                var next = firstOwed;
                while (next < firstOwed + SentAfterEachConnect)
                {
                    var frame = await bobAgain.ExpectAsync("message", TimeSpan.FromSeconds(10));
                    var number = int.Parse(frame.GetProperty("text").GetString()!, CultureInfo.InvariantCulture);
                    Assert.True(number <= next,
                        $"connection {connect} skipped message {next}: its first message after {next - 1} was {number} (owed from {firstOwed})");
                    if (number == next)
                    {
                        next++;
                    }
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await sending;
        }
    }
}
