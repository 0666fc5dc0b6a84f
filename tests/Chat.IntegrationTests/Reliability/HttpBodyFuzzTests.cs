using System.Net;
using System.Text;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Reliability;

/// <summary>Mutated JSON bodies against the real Edge: every answer is a contract status, never a 500.</summary>
public sealed class HttpBodyFuzzTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private static readonly HttpStatusCode[] ContractStatuses =
    [
        HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized,
        HttpStatusCode.Conflict, HttpStatusCode.TooManyRequests, HttpStatusCode.UnsupportedMediaType,
    ];

    [Theory]
    [InlineData("/api/auth/register", 11)]
    [InlineData("/api/auth/login", 12)]
    public async Task Mutated_bodies_get_contract_answers(string path, int seed)
    {
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        var mutator = new Mutator(seed);
        var valid = $$"""{"username":"fz{{seed}}{{Guid.NewGuid():N}}"[..20],"password":"correct horse battery"}""";
        for (var i = 0; i < 600; i++)
        {
            var body = i % 5 == 0 ? mutator.Noise(200) : mutator.Mutate(valid);
            using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(ContractStatuses.Contains(response.StatusCode), $"seed {seed}, case {i}: {(int)response.StatusCode} for {body}");
            if ((int)response.StatusCode >= 400)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task A_lone_surrogate_escape_is_a_bad_request_not_a_crash()
    {
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        var body = """{"username":"ab\ud800cd","password":"correct horse battery"}""";
        using var response = await http.PostAsync("/api/auth/register", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
