using Chat.Contracts.Chat.V1;
using Chat.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace Chat.IntegrationTests.ChatStore;

/// <summary>A graceful stop of ChatService while a caller (an Edge) holds its store stream open.</summary>
public sealed class StoreStreamStopTests(ChatServiceHost host) : IClassFixture<ChatServiceHost>
{
    [Fact]
    public async Task A_stopping_service_answers_the_batches_it_took_and_ends_the_stream_itself()
    {
        var (alice, bob) = ($"alice-{Guid.NewGuid():N}"[..14], $"bob-{Guid.NewGuid():N}"[..12]);
        await host.RegisterAsync(alice, bob);
        // A service of its own, to stop; on the host's database and UserService.
        await using var service = await ServiceProcess.StartChatServiceAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Messages"] = host.ConnectionString,
            ["Services__UserService"] = host.Users.Process.Address.ToString(),
        });
        using var channel = GrpcChannel.ForAddress(service.Address);
        using var stream = new Contracts.Chat.V1.ChatService.ChatServiceClient(channel).StoreMessageStream();
        var batch = new StoreBatch { Id = 1 };
        batch.Messages.Add(new StoreMessageRequest { Sender = alice, Recipient = bob, Text = "before the stop", ClientId = "c-1" });
        await stream.RequestStream.WriteAsync(batch);
        Assert.True(await stream.ResponseStream.MoveNext());
        Assert.Equal(StoreOutcome.ResultOneofCase.Stored, stream.ResponseStream.Current.Outcomes.Single().ResultCase);

        var stopping = service.Process.StopAsync();

        // Ended by the service as its stop began, not held open until Kestrel's shutdown timeout
        // aborts it. The caller sees the end as OK, or as the connection the stopped process
        // closed when that close overtakes the stream's last frame: either way, nothing more comes.
        try
        {
            Assert.False(await stream.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.OK, stream.GetStatus().StatusCode);
        }
        catch (RpcException)
        {
        }
        await stopping;
        Assert.True(service.Process.HasExited);
        Assert.Contains(service.Process.Output, line => line.Contains("StoreMessageStream ended as the service stops", StringComparison.Ordinal));
    }
}
