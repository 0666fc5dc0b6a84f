using System.Net.Http.Headers;
using System.Text.Json;

namespace Chat.IntegrationTests.Gateway;

/// <summary>What the gateway tests ask of an HTTP answer.</summary>
internal static class GatewayHttp
{
    public static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>A JSON POST of <paramref name="bytes"/> bytes (a string of that many 'a', quoted).</summary>
    public static HttpContent JsonBodyOfSize(int bytes) =>
        new ByteArrayContent([(byte)'"', .. Enumerable.Repeat((byte)'a', bytes - 2), (byte)'"']) { Headers = { ContentType = Json } };

    public static HttpContent LoginBody() =>
        new StringContent("""{"username":"flood","password":"not-the-password"}""", Json);

    /// <summary>The answer is a problem details document with this status; returns its detail.</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage answer, int status)
    {
        Assert.Equal(status, (int)answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        return problem.RootElement.GetProperty("detail").GetString() ?? "";
    }

    public static async Task<EchoAnswer> ReadEchoAsync(HttpResponseMessage answer)
    {
        Assert.Equal(200, (int)answer.StatusCode);
        var echo = JsonSerializer.Deserialize<EchoAnswer>(await answer.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("empty echo");
        // Header names are case-insensitive; JSON keeps whichever case Kestrel stored.
        return echo with { Headers = new(echo.Headers, StringComparer.OrdinalIgnoreCase) };
    }
}
