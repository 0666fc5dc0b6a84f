using Chat.Contracts.Chat.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using MongoDB.Driver;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>
/// ChatService stores nothing for a user who does not exist, on either store, and tells "nobody"
/// apart from "UserService cannot say" (NotFound, not Unavailable, and the other way round).
/// </summary>
public sealed class ChatServiceUserCheckTests
{
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(20));

    private static string User(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    [SkippableFact]
    public async Task On_MongoDB_a_message_to_nobody_is_NotFound_and_stores_nothing()
    {
        var mongo = Environment.GetEnvironmentVariable("CHAT_TEST_MONGO");
        Skip.If(string.IsNullOrWhiteSpace(mongo), "CHAT_TEST_MONGO is not set: no MongoDB server to test against.");
        var database = new MongoUrlBuilder(mongo) { DatabaseName = $"chat_test_{Guid.NewGuid():N}" }.ToString();
        await using var users = await UserServiceHost.StartAsync();
        var (alice, bob, nobody) = (User("alice"), User("bob"), User("nobody"));
        await users.RegisterAsync(alice, bob);
        await using var service = await ServiceProcess.StartChatServiceAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__MongoDb"] = database,
            ["Services__UserService"] = users.Process.Address.ToString(),
        });
        using var channel = GrpcChannel.ForAddress(service.Address);
        var chat = new Contracts.Chat.V1.ChatService.ChatServiceClient(channel);
        try
        {
            var stored = await chat.StoreMessageAsync(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "hi bob" }, Deadline);
            var toNobody = await Assert.ThrowsAsync<RpcException>(() => chat.StoreMessageAsync(new StoreMessageRequest { Sender = alice, Recipient = nobody, Text = "hi?" }, Deadline).ResponseAsync);

            Assert.Equal(["hi bob"], (await chat.SyncMessagesAsync(new SyncMessagesRequest { User = bob, After = "" }, Deadline)).Messages.Where(m => m.Id == stored.Id).Select(m => m.Text));
            Assert.Equal(StatusCode.NotFound, toNobody.StatusCode);
            Assert.Empty((await chat.SyncMessagesAsync(new SyncMessagesRequest { User = nobody, After = "" }, Deadline)).Messages);
        }
        finally
        {
            var url = MongoUrl.Create(database);
            await new MongoClient(url).DropDatabaseAsync(url.DatabaseName);
        }
    }

    [Fact]
    public async Task With_UserService_down_known_users_are_still_served_and_an_unknown_name_is_Unavailable()
    {
        var postgres = await PostgresServer.SharedAsync();
        await using var users = await UserServiceHost.StartAsync();
        var (alice, bob, carol) = (User("alice"), User("bob"), User("carol"));
        await users.RegisterAsync(alice, bob, carol);
        await using var service = await ServiceProcess.StartChatServiceAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Messages"] = await postgres.CreateDatabaseAsync("usercheck"),
            ["Services__UserService"] = users.Process.Address.ToString(),
        });
        using var channel = GrpcChannel.ForAddress(service.Address);
        var chat = new Contracts.Chat.V1.ChatService.ChatServiceClient(channel);
        await chat.StoreMessageAsync(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "while it is up" }, Deadline);

        await users.Process.KillAsync();
        var known = await chat.StoreMessageAsync(new StoreMessageRequest { Sender = bob, Recipient = alice, Text = "while it is down" }, Deadline);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => chat.StoreMessageAsync(new StoreMessageRequest { Sender = alice, Recipient = carol, Text = "who?" }, Deadline).ResponseAsync);

        Assert.Equal(["while it is down"], (await chat.SyncMessagesAsync(new SyncMessagesRequest { User = alice, After = "" }, Deadline)).Messages.Where(m => m.Id == known.Id).Select(m => m.Text));
        Assert.Equal(StatusCode.Unavailable, unknown.StatusCode);
        Assert.Empty((await chat.SyncMessagesAsync(new SyncMessagesRequest { User = carol, After = "" }, Deadline)).Messages);
    }
}
