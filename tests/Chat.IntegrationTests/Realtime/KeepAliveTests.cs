using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace Chat.IntegrationTests.Realtime;

/// <summary>
/// An Edge whose keep-alive pings come every second and must be answered within three (room for a
/// busy test machine to answer late without a reading client being dropped).
/// </summary>
public sealed class QuickKeepAliveChatSystem : ChatSystem
{
    public QuickKeepAliveChatSystem()
    {
        EdgeSettings["Realtime__KeepAliveInterval"] = "00:00:01";
        EdgeSettings["Realtime__KeepAliveTimeout"] = "00:00:03";
    }
}

/// <summary>
/// The keep-alive row of the README: the Edge pings every connection and drops one that does not
/// answer. A client answers only while it reads (a browser always does; a .NET client only with a
/// receive pending), so a client that holds a connection without reading is dropped, and one that
/// reads and discards is kept: what the load generator's idle connections must do to stay open.
/// </summary>
public sealed class KeepAliveTests(QuickKeepAliveChatSystem system) : IClassFixture<QuickKeepAliveChatSystem>
{
    private static readonly TimeSpan DropWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_client_that_answers_no_ping_is_dropped_and_one_that_reads_is_kept()
    {
        var (silent, silentToken) = await system.NewUserAsync("silent");
        var (reader, readerToken) = await system.NewUserAsync("reader");
        await using var silentClient = await system.ConnectAsync(silentToken);
        await using var readingClient = await system.ConnectAsync(readerToken);
        var reading = readingClient.RunUtf8Async(static _ => { }, CancellationToken.None);

        await system.Edge.Process.WaitForOutputAsync(DroppedLine(silent), DropWait);

        // A second silent client, connected after the first was dropped, is dropped too: by then
        // the reading client has answered at least two rounds of pings where the silent ones
        // answered none.
        var (later, laterToken) = await system.NewUserAsync("later");
        await using var laterClient = await system.ConnectAsync(laterToken);
        await system.Edge.Process.WaitForOutputAsync(DroppedLine(later), DropWait);

        Assert.Equal(WebSocketState.Open, readingClient.Socket.State);
        Assert.False(reading.IsCompleted, "the reading client's connection ended");
        Assert.DoesNotContain(system.Edge.Process.Output, line => DroppedLine(reader).IsMatch(line));
    }

    private static Regex DroppedLine(string user) =>
        new($"Connection of {Regex.Escape(user)} dropped", RegexOptions.CultureInvariant);
}
