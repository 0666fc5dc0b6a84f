using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Chat.IntegrationTests.Realtime;
using StackExchange.Redis;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// Redis is a trust boundary: whoever can write to it must not be able to log in as anyone by
/// planting a token verdict in the Edges' shared cache.
/// </summary>
public sealed class CacheTrustTests(ScaleOutSystem system) : IClassFixture<ScaleOutSystem>
{
    [Fact]
    public async Task A_token_verdict_planted_in_Redis_logs_nobody_in_and_is_logged()
    {
        var (alice, _) = await system.NewUserAsync("alice");
        var token = "planted-" + Guid.NewGuid().ToString("N");
        var key = "chat:cache:token:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var expires = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using (var redis = await ConnectionMultiplexer.ConnectAsync(system.Redis.ConnectionString))
        {
            // The verdict as an Edge spells it, unsealed: all an attacker with write access can make.
            await redis.GetDatabase().StringSetAsync(key, $"v2:{expires}:{Guid.NewGuid()}:{alice}:{Guid.NewGuid()}", TimeSpan.FromMinutes(5));
        }

        var ws = new Uri($"ws://{system.EdgeB.Address.Authority}/ws");
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatClient.RefusedStatusAsync(ws, $"Bearer {token}"));
        Assert.Contains(system.EdgeB.Process.Output, line => line.Contains("fails its seal", StringComparison.Ordinal));
    }
}
