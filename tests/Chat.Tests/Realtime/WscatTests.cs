using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Realtime;

/// <summary>Two users chatting with the real wscat (npm), the way the README shows it.</summary>
public sealed partial class WscatTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    [Fact]
    public async Task Two_wscat_sessions_chat_in_the_seed_form()
    {
        var (alice, aliceToken) = await system.NewUserAsync("alice");
        var (bob, bobToken) = await system.NewUserAsync("bob");
        var url = $"ws://{system.Edge.Address.Authority}/ws";

        // wscat reads what to send from stdin and exits when stdin ends, so each session is fed
        // by a small script: wait, type a line, then keep stdin open until the test has read
        // what it needs (a fixed wait was too short when node started slowly on a busy machine).
        var done = Path.Combine(TestRun.NewFolder("wscat"), "done");
        var holdOpen = $"while [ ! -e '{done}' ]; do sleep 0.2; done";
        await using var bobSession = Wscat(url, bobToken, $"sleep 2; echo '{alice} hi alice, bob here'; {holdOpen}");
        await using var aliceSession = Wscat(url, aliceToken, $"sleep 1; echo '{bob} hello bob'; {holdOpen}");
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

    private static ChildProcess Wscat(string url, string token, string input) =>
        ChildProcess.Start("wscat", "bash", ["-c", $"({input}) | wscat -c '{url}' -H 'Authorization: Bearer {token}'"]);

    [GeneratedRegex("\"type\":\"message\".*")]
    private static partial Regex MessageLine();

    [GeneratedRegex("\"type\":\"sent\"")]
    private static partial Regex SentLine();
}
