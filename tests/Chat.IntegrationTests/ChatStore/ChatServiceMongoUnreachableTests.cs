using Chat.Contracts.Chat.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// The MongoDB configuration path without a MongoDB server (none can be installed here): the
/// service starts, reports not ready, and answers Unavailable — except for a user who does not
/// exist, which it can tell without its store.
/// </summary>
public sealed class ChatServiceMongoUnreachableTests
{
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(20));

    [Fact]
    public async Task With_MongoDB_configured_but_unreachable_every_call_is_Unavailable()
    {
        var closedPort = FreePort.Next();
        await using var users = await UserServiceHost.StartAsync();
        await users.RegisterAsync("alice", "bob");
        await using var service = await ServiceProcess.StartChatServiceAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__MongoDb"] = $"mongodb://127.0.0.1:{closedPort}/chat?serverSelectionTimeoutMS=1000&connectTimeoutMS=500",
            ["Services__UserService"] = users.Process.Address.ToString(),
        });
        using var channel = GrpcChannel.ForAddress(service.Address);
        var chat = new Contracts.Chat.V1.ChatService.ChatServiceClient(channel);

        var store = await Assert.ThrowsAsync<RpcException>(() => chat.StoreMessageAsync(new StoreMessageRequest { Sender = "alice", Recipient = "bob", Text = "hi" }, Deadline).ResponseAsync);
        var sync = await Assert.ThrowsAsync<RpcException>(() => chat.SyncMessagesAsync(new SyncMessagesRequest { User = "bob" }, Deadline).ResponseAsync);
        var group = await Assert.ThrowsAsync<RpcException>(() => chat.CreateGroupAsync(new CreateGroupRequest { Owner = "alice", Name = "g" }, Deadline).ResponseAsync);
        var toNobody = await Assert.ThrowsAsync<RpcException>(() => chat.StoreMessageAsync(new StoreMessageRequest { Sender = "alice", Recipient = "nobody", Text = "hi" }, Deadline).ResponseAsync);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), Deadline);

        Assert.Equal(StatusCode.Unavailable, store.StatusCode);
        Assert.Equal(StatusCode.Unavailable, sync.StatusCode);
        Assert.Equal(StatusCode.Unavailable, group.StatusCode);
        Assert.Equal(StatusCode.NotFound, toNobody.StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
    }
}
