using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Accounts;

/// <summary>The Edge's account API (PROTOCOL.md, HTTP), against a real Edge and UserService.</summary>
public sealed class AccountApiTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private const string Password = "correct horse battery";

    private HttpClient Http() => new() { BaseAddress = system.Edge.Address };

    private static string NewName() => $"u{Guid.NewGuid():N}"[..16];

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.DoesNotContain("   at ", body.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_answers_201_with_the_id_and_the_lower_case_username()
    {
        using var http = Http();
        var name = NewName();
        var response = await http.PostAsJsonAsync("/api/auth/register", new { username = name.ToUpperInvariant(), password = Password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(name, body.GetProperty("username").GetString());
        Assert.True(Guid.TryParse(body.GetProperty("id").GetString(), out _));

        await AssertProblem(await http.PostAsJsonAsync("/api/auth/register", new { username = name, password = Password }), HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("{\"username\":\"ab\",\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":\"fine_name\",\"password\":\"short\"}")]
    [InlineData("{\"username\":\"fine_name\"}")]
    [InlineData("{\"username\":5,\"password\":\"long enough password\"}")]
    [InlineData("{\"username\":")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Bad_registrations_answer_400_problem_details(string json)
    {
        using var http = Http();
        var response = await http.PostAsync("/api/auth/register", new StringContent(json, Encoding.UTF8, "application/json"));
        await AssertProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Login_answers_a_bearer_token_and_one_401_for_wrong_password_or_unknown_user()
    {
        using var http = Http();
        var name = NewName();
        await http.PostAsJsonAsync("/api/auth/register", new { username = name, password = Password });

        var ok = await http.PostAsJsonAsync("/api/auth/login", new { username = name, password = Password });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var token = await ok.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", token.GetProperty("tokenType").GetString());
        Assert.Equal(900, token.GetProperty("expiresIn").GetInt32());
        Assert.Equal(3, token.GetProperty("accessToken").GetString()!.Split('.').Length);

        var wrong = await http.PostAsJsonAsync("/api/auth/login", new { username = name, password = "wrong password" });
        var unknown = await http.PostAsJsonAsync("/api/auth/login", new { username = NewName(), password = Password });
        await AssertProblem(wrong, HttpStatusCode.Unauthorized);
        Assert.Equal(await WithoutTraceId(wrong), await WithoutTraceId(unknown));
    }

    private static async Task<string> WithoutTraceId(HttpResponseMessage response)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        body.Remove("traceId");
        return body.ToJsonString();
    }

    [Fact]
    public async Task Ten_failures_for_one_username_from_one_address_answer_429_with_retry_after()
    {
        using var http = Http();
        var name = NewName();
        await http.PostAsJsonAsync("/api/auth/register", new { username = name, password = Password });
        HttpRequestMessage Login(string password, string clientAddress) =>
            new(HttpMethod.Post, "/api/auth/login")
            {
                Content = JsonContent.Create(new { username = name, password }),
                Headers = { { "X-Forwarded-For", clientAddress } }, // as the gateway reports it
            };

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Login("wrong password", "198.51.100.20"))).StatusCode);
        }
        var throttled = await http.SendAsync(Login(Password, "198.51.100.20"));
        await AssertProblem(throttled, HttpStatusCode.TooManyRequests);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 300);

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Login(Password, "198.51.100.21"))).StatusCode);
    }

    [Theory]
    [InlineData("\u212A")] // KELVIN SIGN, which Unicode lower-cases to 'k'
    [InlineData("\u017F")] // LONG S, which Unicode upper-cases to 'S'
    [InlineData("\u0130")] // CAPITAL I WITH DOT ABOVE, which Unicode lower-cases to 'i' and a dot
    public async Task A_name_with_a_letter_that_unicode_folds_into_the_alphabet_is_400_and_no_way_into_the_ascii_account(string letter)
    {
        using var http = Http();
        var ascii = "k" + NewName()[1..];
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/auth/register", new { username = ascii, password = Password })).StatusCode);
        var lookalike = letter + ascii[1..];

        await AssertProblem(await http.PostAsJsonAsync("/api/auth/register", new { username = lookalike, password = Password }), HttpStatusCode.BadRequest);
        await AssertProblem(await http.PostAsJsonAsync("/api/auth/login", new { username = lookalike, password = Password }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        using var http = Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }
}

/// <summary>A system of its own: this test kills its UserService.</summary>
public sealed class UserOutageChatSystem : ChatSystem;

public sealed class UserServiceOutageTests(UserOutageChatSystem system) : IClassFixture<UserOutageChatSystem>
{
    [Fact]
    public async Task Without_UserService_login_answers_503_and_the_edge_is_not_ready()
    {
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        await system.Users.KillAsync();

        var login = await http.PostAsJsonAsync("/api/auth/login", new { username = "someone", password = "correct horse battery" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, login.StatusCode);
        Assert.Equal("application/problem+json", login.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }
}
