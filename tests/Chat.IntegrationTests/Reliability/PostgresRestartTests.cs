using System.Diagnostics;
using Chat.Contracts.Chat.V1;
using Chat.Contracts.User.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace Chat.IntegrationTests.Reliability;

/// <summary>
/// The database goes away under load and comes back: the services answer Unavailable meanwhile
/// (within the deadline, never hanging) and recover by themselves.
/// </summary>
public sealed class PostgresRestartTests
{
    [Fact]
    public async Task ChatService_and_UserService_answer_unavailable_while_postgres_is_down_and_recover_after()
    {
        var postgres = await PostgresServer.StartNewAsync();
        try
        {
            await using var users = await UserServiceHost.StartAsync(new Dictionary<string, string?>
            {
                ["ConnectionStrings__Users"] = await postgres.CreateDatabaseAsync("users"),
            });
            await using var chat = await ChatServiceHost.StartAsync(users, await postgres.CreateDatabaseAsync("messages"));
            await users.RegisterAsync("restart-me", "writer", "sink");
            var stored = 0;
            using var load = new CancellationTokenSource();
            var writer = Task.Run(async () =>
            {
                for (var i = 0; !load.IsCancellationRequested; i++)
                {
                    try
                    {
                        await chat.Client.StoreMessageAsync(new StoreMessageRequest { Sender = "writer", Recipient = "sink", Text = $"{i}", ClientId = $"l-{i}" },
                            deadline: DateTime.UtcNow.AddSeconds(3));
                        Interlocked.Increment(ref stored);
                    }
                    catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                    {
                        // A client's pause before it retries (nothing is awaited): without it the
                        // load would spin on fast failures while Postgres is down.
                        await Task.Delay(50);
                    }
                }
            });
            await Eventually.TrueAsync(() => Volatile.Read(ref stored) >= 10, "the load flowing before the restart");

            await postgres.StopAsync("immediate");
            foreach (var call in new Func<Task>[]
            {
                () => chat.Client.StoreMessageAsync(new StoreMessageRequest { Sender = "writer", Recipient = "sink", Text = "down" }, deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync,
                () => users.Client.LoginAsync(new LoginRequest { Username = "restart-me", Password = "correct horse battery" }, deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync,
            })
            {
                var clock = Stopwatch.StartNew();
                var e = await Assert.ThrowsAsync<RpcException>(call);
                Assert.True(e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded, $"answered {e.StatusCode}: {e.Status.Detail}");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the call hung past its deadline");
            }

            await postgres.StartAsync();
            var storedBefore = Volatile.Read(ref stored);
            await Eventually.SucceedsAsync(async () => await chat.Client.StoreMessageAsync(new StoreMessageRequest { Sender = "writer", Recipient = "sink", Text = "back" }), Recovering, Recovery);
            await Eventually.SucceedsAsync(async () => await users.Client.LoginAsync(new LoginRequest { Username = "restart-me", Password = "correct horse battery" }), Recovering, Recovery);
            await Eventually.TrueAsync(() => Volatile.Read(ref stored) > storedBefore, "the load flowing again", Recovery);
            await load.CancelAsync();
            await writer;

            // Nothing the writer saw acknowledged is missing.
            var sink = await chat.Client.SyncMessagesAsync(new SyncMessagesRequest { User = "sink", After = "", Limit = 500 });
            Assert.True(sink.Messages.Count >= Math.Min(stored, 500));
        }
        finally
        {
            await postgres.StopAsync("immediate");
        }
    }

    // Back within 30 s of Postgres, whatever a call sees meanwhile.
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(30);

    private static bool Recovering(Exception e) => e is RpcException;
}
