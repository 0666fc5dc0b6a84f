using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Chat.Contracts;
using Chat.Edge.Protocol;
using Chat.Testing;

namespace Chat.UnitTests.Protocol;

/// <summary>
/// Thousands of random and mutated frames through the WebSocket frame parser: every one becomes
/// a frame or a contract error, none throws, and every frame it accepts means the same when the
/// client sends it again in the JSON form. Seeded, so a failure names its seed and case.
/// </summary>
public class ClientFrameParserFuzzTests
{
    private static readonly string[] Seeds =
    [
        """{"type":"send","to":"bob","text":"hello","clientId":"c-1"}""",
        """{"type":"send","group":"g1","text":"hi all"}""",
        """{"type":"read","with":"alice","upTo":"00000000000000000042"}""",
        """{"type":"typing","to":"bob"}""",
        """{"type":"auth","token":"eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"}""",
        "bob hello there",
    ];

    private static readonly string[] ContractCodes = [ErrorCodes.InvalidFrame, ErrorCodes.TooLarge];

    private static readonly JsonSerializerOptions Rendering = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_and_random_frames_never_throw(int seed)
    {
        var mutator = new Mutator(seed);
        for (var i = 0; i < 3000; i++)
        {
            var input = i % 4 == 0 ? mutator.Noise(300) : mutator.Mutate(Seeds[mutator.Next(Seeds.Length)]);
            Check(Encoding.UTF8.GetBytes(input), $"seed {seed}, case {i}: {input}");
        }
    }

    /// <summary>
    /// Byte flips, inside multi-byte characters too; what is not valid UTF-8 any more is left out,
    /// as the connection closes on it (1007) before any parser sees it.
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Frames_with_bytes_flipped_never_throw(int seed)
    {
        var mutator = new Mutator(seed);
        var random = new Random(seed);
        var parsed = 0;
        for (var i = 0; i < 3000; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(mutator.Mutate(Seeds[mutator.Next(Seeds.Length)] + " é😀"));
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }
            if (!Utf8.IsValid(bytes))
            {
                continue;
            }
            parsed++;
            Check(bytes, $"seed {seed}, case {i}: {Convert.ToHexString(bytes)}");
        }
        Assert.True(parsed > 500, $"only {parsed} of the flipped frames were valid UTF-8: the test tested little");
    }

    private static void Check(byte[] utf8, string where)
    {
        var parser = new ClientFrameParser();
        ClientFrame frame;
        try
        {
            frame = parser.Parse(utf8);
        }
        catch (Exception e)
        {
            Assert.Fail($"{where}: {e.GetType().Name}: {e.Message}");
            throw;
        }
        switch (frame)
        {
            case InvalidFrame invalid:
                Assert.Contains(invalid.Code, ContractCodes);
                Assert.False(string.IsNullOrWhiteSpace(invalid.Message), where);
                return;
            case SendFrame send:
                Assert.False(string.IsNullOrEmpty(send.Text), where);
                Assert.True(Encoding.UTF8.GetByteCount(send.Text) <= MessageLimits.MaxTextBytes, $"{where}: text over the limit accepted");
                Assert.True(send.To is null != send.Group is null, where);
                break;
        }
        // What was accepted is what the same request means in the JSON form.
        var again = parser.Parse(Encoding.UTF8.GetBytes(Render(frame)));
        Assert.True(frame.Equals(again), $"{where}: accepted as {frame}, but its JSON form {Render(frame)} parses as {again}");
    }

    private static string Render(ClientFrame frame) => frame switch
    {
        SendFrame s => JsonSerializer.Serialize(new { type = "send", to = s.To, group = s.Group, text = s.Text, clientId = s.ClientId }, Rendering),
        ReadFrame r => JsonSerializer.Serialize(new { type = "read", with = r.With, group = r.Group, upTo = r.UpTo }, Rendering),
        TypingFrame t => JsonSerializer.Serialize(new { type = "typing", to = t.To, group = t.Group }, Rendering),
        AuthFrame a => JsonSerializer.Serialize(new { type = "auth", token = a.Token }, Rendering),
        _ => throw new InvalidOperationException($"no JSON form for {frame}"),
    };
}
