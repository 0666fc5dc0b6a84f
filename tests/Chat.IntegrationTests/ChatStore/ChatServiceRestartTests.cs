using Chat.Contracts.Chat.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>PostgreSQL going away and coming back: Unavailable meanwhile, recovery without a restart of the service.</summary>
public sealed class ChatServiceRestartTests
{
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(10));

    [Fact]
    public async Task While_PostgreSQL_is_down_calls_are_Unavailable_and_they_succeed_again_once_it_is_back()
    {
        var server = await PostgresServer.StartNewAsync();
        try
        {
            var connectionString = await server.CreateDatabaseAsync("chatrestart");
            await using var users = await UserServiceHost.StartAsync();
            await users.RegisterAsync("alice", "bob");
            await using var service = await ServiceProcess.StartChatServiceAsync(new Dictionary<string, string?>
            {
                ["ConnectionStrings__Messages"] = connectionString,
                ["Services__UserService"] = users.Process.Address.ToString(),
            });
            using var channel = GrpcChannel.ForAddress(service.Address);
            var chat = new Contracts.Chat.V1.ChatService.ChatServiceClient(channel);
            var health = new Health.HealthClient(channel);
            var request = new StoreMessageRequest { Sender = "alice", Recipient = "bob", Text = "before" };
            var before = await chat.StoreMessageAsync(request, Deadline);

            await server.StopAsync("immediate");
            var down = await Assert.ThrowsAsync<RpcException>(() => chat.StoreMessageAsync(request, Deadline).ResponseAsync);
            var downHistory = await Assert.ThrowsAsync<RpcException>(() => chat.GetHistoryAsync(new GetHistoryRequest { User = "alice", Peer = "bob" }, Deadline).ResponseAsync);
            var healthDown = await health.CheckAsync(new HealthCheckRequest(), Deadline);

            await server.StartAsync();
            var after = await RetryUntilOkAsync(() => chat.StoreMessageAsync(new StoreMessageRequest { Sender = "alice", Recipient = "bob", Text = "after" }, Deadline).ResponseAsync);
            var history = await chat.GetHistoryAsync(new GetHistoryRequest { User = "bob", Peer = "alice" }, Deadline);
            var healthUp = await health.CheckAsync(new HealthCheckRequest(), Deadline);

            Assert.Equal(StatusCode.Unavailable, down.StatusCode);
            Assert.Equal(StatusCode.Unavailable, downHistory.StatusCode);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, healthDown.Status);
            Assert.Equal(before.Message.Id, after.PreviousId);
            Assert.Equal(["after", "before"], history.Messages.Select(m => m.Text));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, healthUp.Status);
        }
        finally
        {
            await server.StopAsync("immediate");
        }
    }

    [Fact]
    public async Task A_service_started_before_PostgreSQL_answers_once_it_is_up()
    {
        var server = await PostgresServer.StartNewAsync();
        try
        {
            var connectionString = await server.CreateDatabaseAsync("chatlate");
            await server.StopAsync("fast");
            await using var users = await UserServiceHost.StartAsync();
            await users.RegisterAsync("alice", "bob");
            await using var service = await ServiceProcess.StartChatServiceAsync(new Dictionary<string, string?>
            {
                ["ConnectionStrings__Messages"] = connectionString,
                ["Services__UserService"] = users.Process.Address.ToString(),
            });
            using var channel = GrpcChannel.ForAddress(service.Address);
            var chat = new Contracts.Chat.V1.ChatService.ChatServiceClient(channel);
            var request = new StoreMessageRequest { Sender = "alice", Recipient = "bob", Text = "hi" };

            var early = await Assert.ThrowsAsync<RpcException>(() => chat.StoreMessageAsync(request, Deadline).ResponseAsync);
            await server.StartAsync();
            var stored = await RetryUntilOkAsync(() => chat.StoreMessageAsync(request, Deadline).ResponseAsync);

            Assert.Equal(StatusCode.Unavailable, early.StatusCode);
            Assert.Equal("hi", stored.Message.Text);
        }
        finally
        {
            await server.StopAsync("immediate");
        }
    }

    /// <summary>Recovery is expected within 30 s; the test fails with the last error otherwise.</summary>
    private static async Task<T> RetryUntilOkAsync<T>(Func<Task<T>> call)
    {
        return await Eventually.SucceedsAsync(call, e => e is RpcException { StatusCode: StatusCode.Unavailable }, TimeSpan.FromSeconds(30));
    }
}
