using System.Net.WebSockets;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Reliability;

/// <summary>Mutated frames over a real WebSocket: each is answered with a contract frame, or the connection closes cleanly.</summary>
public sealed class WebSocketFuzzTests(UnthrottledChatSystem system) : IClassFixture<UnthrottledChatSystem>
{
    private static readonly string[] ErrorCodesOfTheContract =
        ["invalid_frame", "unknown_recipient", "too_large", "rate_limited", "unavailable", "forbidden"];

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public async Task Mutated_frames_get_contract_answers(int seed)
    {
        var (_, token) = await system.NewUserAsync("fz");
        var mutator = new Mutator(seed);
        // To a user who does not exist: a frame that survives mutation intact is answered
        // unknown_recipient, so every answer is an error frame and nothing is stored.
        var frames = new[]
        {
            """{"type":"send","to":"nobody-at-all","text":"hello","clientId":"c-1"}""",
            """{"type":"typing","to":"nobody-at-all"}""",
            "nobody-at-all hello there",
        };
        var client = await system.ConnectAsync(token);
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var frame = i % 5 == 0 ? mutator.Noise(200) : mutator.Mutate(frames[mutator.Next(frames.Length)]);
                await client.SendTextAsync(frame);
                var answer = await client.TryReceiveAsync(TimeSpan.FromSeconds(10));
                if (answer is null)
                {
                    // Allowed only as a clean close with a contract code.
                    Assert.True(
                        client.Socket.CloseStatus is WebSocketCloseStatus.PolicyViolation or WebSocketCloseStatus.MessageTooBig,
                        $"seed {seed}, case {i}: no answer (socket {client.Socket.State}, close {client.Socket.CloseStatus}) for {frame}");
                    client = await system.ConnectAsync(token);
                    continue;
                }
                var type = answer.Value.GetProperty("type").GetString();
                Assert.True(type == "error", $"seed {seed}, case {i}: {answer} for {frame}");
                Assert.Contains(answer.Value.GetProperty("code").GetString(), ErrorCodesOfTheContract);
            }
            Assert.Equal(WebSocketState.Open, client.Socket.State);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }
}
