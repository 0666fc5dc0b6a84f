using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Edge.Auth;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Accounts;

/// <summary>The session calls of the HTTP API (PROTOCOL.md), against a real Edge and UserService.</summary>
public sealed class SessionApiTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private const string Password = "correct horse battery";

    private HttpClient Http(string? token = null)
    {
        var http = new HttpClient { BaseAddress = system.Edge.Address };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    private async Task<(string Name, JsonElement Login)> LoginAsync(string? name = null, string device = "")
    {
        using var http = Http();
        if (name is null)
        {
            name = $"s{Guid.NewGuid():N}"[..16];
            (await http.PostAsJsonAsync("/api/auth/register", new { username = name, password = Password })).EnsureSuccessStatusCode();
        }
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username = name, password = Password, device });
        login.EnsureSuccessStatusCode();
        return (name, await login.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static string Access(JsonElement pair) => pair.GetProperty("accessToken").GetString()!;

    private static string Refresh(JsonElement pair) => pair.GetProperty("refreshToken").GetString()!;

    [Fact]
    public async Task Login_answers_a_pair_and_refresh_rotates_it()
    {
        var (_, login) = await LoginAsync();
        using var http = Http();

        var refreshed = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = Refresh(login) });
        var pair = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
        var replayed = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = Refresh(login) });
        var malformed = await http.PostAsJsonAsync("/api/auth/refresh", new { token = "x" });

        Assert.Equal(900, login.GetProperty("expiresIn").GetInt64());
        Assert.Equal(2_592_000, login.GetProperty("refreshExpiresIn").GetInt64());
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.NotEqual(Refresh(login), Refresh(pair));
        Assert.Equal("Bearer", pair.GetProperty("tokenType").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal("application/problem+json", replayed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        // The replay ended the session: the pair it had given is dead too.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Http(Access(pair)).GetAsync("/api/auth/sessions")).StatusCode);
    }

    [Fact]
    public async Task After_logout_the_access_token_stops_working_on_the_edge_within_the_cache_bound()
    {
        var (_, login) = await LoginAsync();
        using var http = Http(Access(login));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/conversations")).StatusCode); // the Edge now caches "valid"

        var logout = await http.PostAsync("/api/auth/logout", null);
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await http.GetAsync("/api/conversations")).StatusCode;
        }
        while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(15));

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(clock.Elapsed < TokenValidator.ValidCachedAtMost + TimeSpan.FromSeconds(2), $"still accepted {clock.Elapsed} after logout");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Http().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = Refresh(login) })).StatusCode);
    }

    [Fact]
    public async Task Sessions_are_listed_and_one_is_ended_by_id()
    {
        var (name, phone) = await LoginAsync(device: "phone");
        var (_, laptop) = await LoginAsync(name, "laptop");
        using var http = Http(Access(laptop));

        var list = await http.GetFromJsonAsync<JsonElement>("/api/auth/sessions");
        var sessions = list.GetProperty("sessions").EnumerateArray().ToList();
        var phoneId = sessions.Single(s => s.GetProperty("device").GetString() == "phone").GetProperty("id").GetString();
        var ended = await http.DeleteAsync($"/api/auth/sessions/{phoneId}");
        var again = await http.DeleteAsync($"/api/auth/sessions/{phoneId}");

        Assert.Equal(["laptop", "phone"], sessions.Select(s => s.GetProperty("device").GetString()));
        Assert.Equal([true, false], sessions.Select(s => s.GetProperty("current").GetBoolean()));
        Assert.All(sessions, s => Assert.True(s.GetProperty("lastUsedAt").GetDateTimeOffset() >= s.GetProperty("createdAt").GetDateTimeOffset()));
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Http().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = Refresh(phone) })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Http().GetAsync("/api/auth/sessions")).StatusCode);
    }

    [Fact]
    public async Task A_password_change_needs_the_old_password_and_ends_the_other_sessions()
    {
        var (name, other) = await LoginAsync();
        var (_, current) = await LoginAsync(name);
        using var http = Http(Access(current));

        var wrong = await http.PostAsJsonAsync("/api/auth/password", new { oldPassword = "not my password", newPassword = "another good password" });
        var invalid = await http.PostAsJsonAsync("/api/auth/password", new { oldPassword = Password, newPassword = "short" });
        var changed = await http.PostAsJsonAsync("/api/auth/password", new { oldPassword = Password, newPassword = "another good password" });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Http().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = Refresh(other) })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/auth/sessions")).StatusCode);
    }

    [Fact]
    public async Task Wrong_old_passwords_count_as_failed_logins_and_are_throttled_with_429_and_retry_after()
    {
        var (name, login) = await LoginAsync();
        using var http = Http(Access(login));
        HttpRequestMessage Change(string oldPassword, string clientAddress) =>
            new(HttpMethod.Post, "/api/auth/password")
            {
                Content = JsonContent.Create(new { oldPassword, newPassword = "another good password" }),
                Headers = { { "X-Forwarded-For", clientAddress } }, // as the gateway reports it
            };

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Change("not my password", "198.51.100.30"))).StatusCode);
        }
        var throttled = await http.SendAsync(Change(Password, "198.51.100.30"));
        var loginThere = await Http().SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = JsonContent.Create(new { username = name, password = Password }),
            Headers = { { "X-Forwarded-For", "198.51.100.30" } },
        });
        var elsewhere = await http.SendAsync(Change(Password, "198.51.100.31"));

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("application/problem+json", throttled.Content.Headers.ContentType?.MediaType);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 300);
        Assert.Equal(HttpStatusCode.TooManyRequests, loginThere.StatusCode); // one allowance for both proofs
        Assert.Equal(HttpStatusCode.NoContent, elsewhere.StatusCode);
    }
}
