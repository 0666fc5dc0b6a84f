using System.Text;
using Chat.Edge.Connections;
using Chat.Edge.Protocol;

namespace Chat.IntegrationTests.Reliability;

/// <summary>
/// Thousands of random and mutated frames through the WebSocket frame parser: every one becomes
/// a frame or a contract error, none throws.
/// </summary>
public class FrameParserFuzzTests
{
    private static readonly string[] Seeds =
    [
        """{"type":"send","to":"bob","text":"hello","clientId":"c-1"}""",
        """{"type":"send","group":"g1","text":"hi all"}""",
        """{"type":"read","with":"alice","upTo":"00000000000000000042"}""",
        """{"type":"typing","to":"bob"}""",
        "bob hello there",
    ];

    private static readonly string[] ContractCodes = [ErrorCodes.InvalidFrame, ErrorCodes.TooLarge];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_and_random_frames_never_throw(int seed)
    {
        var parser = new ClientFrameParser();
        var mutator = new Mutator(seed);
        for (var i = 0; i < 3000; i++)
        {
            var input = i % 4 == 0 ? mutator.Noise(300) : mutator.Mutate(Seeds[mutator.Next(Seeds.Length)]);
            ClientFrame frame;
            try
            {
                frame = parser.Parse(Encoding.UTF8.GetBytes(input));
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, case {i}: {e.GetType().Name} for {input}");
                throw;
            }
            if (frame is InvalidFrame invalid)
            {
                Assert.Contains(invalid.Code, ContractCodes);
                Assert.False(string.IsNullOrWhiteSpace(invalid.Message));
            }
            else if (frame is SendFrame send)
            {
                Assert.False(string.IsNullOrEmpty(send.Text));
                Assert.True(Encoding.UTF8.GetByteCount(send.Text) <= 4096, $"seed {seed}, case {i}: text over the limit accepted");
                Assert.True(send.To is null != send.Group is null);
            }
        }
    }
}
