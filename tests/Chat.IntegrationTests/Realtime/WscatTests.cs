using System.Text.RegularExpressions;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Realtime;

/// <summary>Two users chatting with the real wscat (npm), the way the README shows it.</summary>
public sealed partial class WscatTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    [Fact]
    public async Task Two_wscat_sessions_chat_in_the_seed_form()
    {
        var (alice, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        var url = $"ws://{system.Edge.Address.Authority}/ws";

        // wscat reads lines from stdin only once connected and drops what came before, so a line
        // typed after a fixed wait was lost whenever node connected late on a busy machine (2 runs
        // of 3 with two builds beside). Each session sends its line the moment it is connected
        // (-x, wscat's own "type this on connect") and holds the socket open (-w -1); stdin stays
        // open until the test has read what it needs, since wscat exits when stdin ends.
        var done = Path.Combine(TestRun.NewFolder("wscat"), "done");
        await using var bobSession = Wscat(url, bobToken, $"{alice} hi alice, bob here", done);
        await using var aliceSession = Wscat(url, aliceToken, $"{bob} hello bob", done);
        try
        {
            var atBob = await bobSession.WaitForOutputAsync(MessageLine(), TimeSpan.FromSeconds(20));
            Assert.Contains("\"text\":\"hello bob\"", atBob.Value, StringComparison.Ordinal);
            Assert.Contains($"\"from\":\"{alice}\"", atBob.Value, StringComparison.Ordinal);
            var atAlice = await aliceSession.WaitForOutputAsync(MessageLine(), TimeSpan.FromSeconds(20));
            Assert.Contains("\"text\":\"hi alice, bob here\"", atAlice.Value, StringComparison.Ordinal);
            await aliceSession.WaitForOutputAsync(SentLine(), TimeSpan.FromSeconds(5));
        }
        finally
        {
            await File.WriteAllTextAsync(done, ""); // both scripts end, and with them stdin and wscat
        }
    }

    private static ChildProcess Wscat(string url, string token, string line, string done) =>
        ChildProcess.Start("wscat", "bash", ["-c",
            $"(while [ ! -e '{done}' ]; do sleep 0.2; done) | wscat -c '{url}' -H 'Authorization: Bearer {token}' -x '{line}' -w -1"]);

    [GeneratedRegex("\"type\":\"message\".*")]
    private static partial Regex MessageLine();

    [GeneratedRegex("\"type\":\"sent\"")]
    private static partial Regex SentLine();
}
