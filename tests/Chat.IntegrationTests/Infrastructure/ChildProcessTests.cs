using System.Text.RegularExpressions;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// The fixture every process test stands on: what a child printed before it exited is all seen,
/// however fast it exited, and a line it never printed fails at once, not at the timeout.
/// </summary>
public sealed class ChildProcessTests
{
    private static ChildProcess Shell(string script) => ChildProcess.Start("sh", "/bin/sh", ["-c", script]);

    [Fact]
    public async Task A_line_printed_last_just_before_exiting_is_seen()
    {
        // Many lines first, so the last ones are still in the pipes when the exit is seen.
        for (var run = 0; run < 20; run++)
        {
            await using var child = Shell("seq 1 20000; echo 'the last word' >&2; exit 3");

            var match = await child.WaitForOutputAsync(new Regex("the last word"), TimeSpan.FromSeconds(30));

            Assert.True(match.Success);
        }
    }

    [Fact]
    public async Task A_line_never_printed_fails_once_the_output_is_complete_and_shows_all_of_it()
    {
        await using var child = Shell("seq 1 20000; exit 3");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => child.WaitForOutputAsync(new Regex("never printed"), TimeSpan.FromSeconds(30)));

        Assert.Contains("exited with 3", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("\n20000", error.Message, StringComparison.Ordinal);
        Assert.Equal(20000, child.Output.Count);
    }
}
