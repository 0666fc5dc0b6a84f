using System.Net.Sockets;
using System.Text;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>The Redis fixture: answers, stops, and comes back on the same port.</summary>
public sealed class RedisServerTests
{
    [Fact]
    public async Task Redis_fixture_answers_and_restarts_on_the_same_port_without_old_data()
    {
        await using var redis = await RedisServer.StartNewAsync();

        Assert.Equal("+PONG", await CommandAsync(redis, "PING"));
        Assert.Equal("+OK", await CommandAsync(redis, "SET fixture-key kept"));
        Assert.Equal("$4", await CommandAsync(redis, "GET fixture-key"));

        await redis.StopAsync();
        Assert.False(redis.IsRunning);
        await Assert.ThrowsAnyAsync<SocketException>(() => CommandAsync(redis, "PING"));

        await redis.StartAsync();
        Assert.Equal("+PONG", await CommandAsync(redis, "PING"));
        // No persistence: a restarted Redis is an empty one, as after a crash of a cache.
        Assert.Equal("$-1", await CommandAsync(redis, "GET fixture-key"));
    }

    [Fact]
    public async Task Redis_fixture_survives_a_kill_and_a_new_start()
    {
        await using var redis = await RedisServer.StartNewAsync();

        await redis.KillAsync();
        await Assert.ThrowsAnyAsync<SocketException>(() => CommandAsync(redis, "PING"));

        await redis.StartAsync();
        Assert.Equal("+PONG", await CommandAsync(redis, "PING"));
    }

    /// <summary>One inline command over RESP; the first line of the answer.</summary>
    private static async Task<string> CommandAsync(RedisServer redis, string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(redis.Host, redis.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync() ?? throw new InvalidOperationException("Redis closed the connection without an answer.");
    }
}
