using Chat.Contracts.Chat.V1;
using Grpc.Core;
using Grpc.Net.Client;
// Aliased: with ChatService referenced (the store profile), Chat.ChatService is also a namespace.
using ChatServiceClient = Chat.Contracts.Chat.V1.ChatService.ChatServiceClient;

namespace Chat.Bench;

/// <summary>StoreMessage over gRPC to a ChatService process on its own database.</summary>
internal static class GrpcStoreBench
{
    public static async Task<LoadResult> RunAsync(string scenario, Uri address, int concurrency, TimeSpan duration)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ChatServiceClient(channel);
        return await LoadRunner.RunAsync(scenario, concurrency, duration, async (worker, i) =>
        {
            await client.StoreMessageAsync(
                new StoreMessageRequest { Sender = Users.Sender(worker), Recipient = Users.Recipient(worker, i), Text = Users.Text, ClientId = $"{worker}-{i}" },
                new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)));
        });
    }
}
