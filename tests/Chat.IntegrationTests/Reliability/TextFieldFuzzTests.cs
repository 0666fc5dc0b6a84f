using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.IntegrationTests.Infrastructure;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.Reliability;

/// <summary>
/// Issue 20, bad input is a 4xx: every text field of the HTTP API (bodies, paths, queries) and of
/// the WebSocket frames is given NUL, lone surrogates, overlong strings and invalid UTF-8. Every
/// answer is a 4xx problem (never a 5xx), every frame an error frame on a connection that lives,
/// and afterwards a message is still sent and delivered. <see cref="HttpBodyFuzzTests"/> mutates
/// whole bodies at random; this one aims at each field in turn.
/// </summary>
public sealed class TextFieldFuzzTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    private const string Password = "correct horse battery";

    /// <summary>Bad text as a JSON string literal (escapes, so the body itself stays valid UTF-8).</summary>
    private static readonly string[] JsonLiterals =
    [
        "\"nul\\u0000here\"", "\"\\u0000\"", "\"lone\\ud800high\"", "\"\\udc00low\"", "\"\\ud800\"",
        "\"" + new string('a', 20_000) + "\"",
    ];

    /// <summary>Bad text percent-encoded for a path segment or a query value.</summary>
    private static readonly string[] Encoded =
    [
        "%00", "a%00b", "%ED%A0%80", "%C0%80", "%FF%FE", new string('a', 5_000),
    ];

    /// <summary>Raw bytes that are no UTF-8 (a lone continuation byte, an overlong NUL, an encoded surrogate), inside a JSON string.</summary>
    private static readonly byte[][] InvalidUtf8 = [[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF]];

    private static readonly string[] BodyTemplates =
    [
        "POST /api/auth/register {\"username\":X,\"password\":\"correct horse battery\"}",
        "POST /api/auth/register {\"username\":\"fuzzname\",\"password\":X}",
        "POST /api/auth/login {\"username\":X,\"password\":\"correct horse battery\"}",
        "POST /api/auth/login {\"username\":\"USER\",\"password\":X}",
        "POST /api/auth/login {\"username\":\"USER\",\"password\":\"correct horse battery\",\"device\":X}",
        "POST /api/auth/refresh {\"refreshToken\":X}",
        "POST /api/auth/password {\"oldPassword\":X,\"newPassword\":\"another good password\"}",
        "POST /api/auth/password {\"oldPassword\":\"wrong old password\",\"newPassword\":X}",
        "POST /api/groups {\"name\":X,\"members\":[]}",
        "POST /api/groups {\"name\":\"fuzz\",\"members\":[X]}",
        "POST /api/groups/GROUP/members {\"username\":X}",
    ];

    private static readonly string[] TargetTemplates =
    [
        "GET /api/messages?with=X", "GET /api/messages?group=X", "GET /api/messages?with=PEER&before=X",
        "GET /api/presence?users=X", "GET /api/presence?users=PEER,X",
        "DELETE /api/groups/X/members/PEER", "DELETE /api/groups/GROUP/members/X", "DELETE /api/auth/sessions/X",
        "GET /api/groups/X", "GET /ws?after=X",
    ];

    [Fact]
    public async Task Bad_text_in_every_http_field_is_a_4xx_problem_and_the_system_stays_healthy()
    {
        var (user, token) = await system.NewUserAsync("fz");
        var (peer, _) = await system.NewUserAsync("fp");
        using var http = new HttpClient { BaseAddress = system.Edge.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var group = (await (await http.PostAsJsonAsync("/api/groups", new { name = "fuzz", members = new[] { peer } })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var failures = new List<string>();

        foreach (var template in BodyTemplates)
        {
            var (method, path, body) = Split(template.Replace("USER", user, StringComparison.Ordinal).Replace("GROUP", group, StringComparison.Ordinal));
            var bodies = JsonLiterals.Select(literal => Encoding.UTF8.GetBytes(body.Replace("X", literal, StringComparison.Ordinal)))
                .Concat(InvalidUtf8.Select(bytes => Splice(body, bytes)));
            foreach (var bytes in bodies)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path)
                {
                    Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
                };
                using var answer = await http.SendAsync(request);
                await CheckAsync(failures, $"{method} {path} {Encoding.UTF8.GetString(bytes)[..Math.Min(bytes.Length, 120)]}", answer);
            }
        }
        foreach (var template in TargetTemplates)
        {
            foreach (var bad in Encoded)
            {
                var (method, target, _) = Split(template.Replace("PEER", peer, StringComparison.Ordinal).Replace("GROUP", group, StringComparison.Ordinal).Replace("X", bad, StringComparison.Ordinal) + " ");
                var answer = await RawHttp.SendAsync(system.Edge.Address, method, target, headers: [$"Authorization: Bearer {token}"]);
                // Kestrel refuses a few targets itself (a %00 in the path), with an empty 400 before any middleware.
                var problemOrKestrels = answer.Header("Content-Type")?.StartsWith("application/problem+json", StringComparison.Ordinal) ?? answer.Body.Length == 0;
                if (answer.Status is < 400 or >= 500 || !problemOrKestrels)
                {
                    failures.Add($"{method} {target[..Math.Min(target.Length, 120)]}: {answer.Status} {answer.Body}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await AssertAMessageStillGoesThroughAsync();
    }

    [Fact]
    public async Task Bad_text_in_every_frame_field_is_an_error_frame_and_the_connection_lives()
    {
        var (_, token) = await system.NewUserAsync("fw");
        var (peer, _) = await system.NewUserAsync("fq");
        await using var socket = await system.ConnectAsync(token);
        string[] frames =
        [
            "{\"type\":\"send\",\"to\":X,\"text\":\"hi\"}",
            "{\"type\":\"send\",\"to\":\"PEER\",\"text\":X}",
            "{\"type\":\"send\",\"to\":\"PEER\",\"text\":\"hi\",\"clientId\":X}",
            "{\"type\":\"send\",\"group\":X,\"text\":\"hi\"}",
            "{\"type\":\"read\",\"with\":X,\"upTo\":\"1\"}",
            "{\"type\":\"read\",\"with\":\"PEER\",\"upTo\":X}",
            "{\"type\":\"read\",\"group\":X,\"upTo\":\"1\"}",
            "{\"type\":\"typing\",\"to\":X}",
            "{\"type\":\"typing\",\"group\":X}",
            "{\"type\":\"auth\",\"token\":X}",
            "{\"type\":X,\"to\":\"PEER\",\"text\":\"hi\"}",
        ];
        var failures = new List<string>();

        foreach (var frame in frames)
        {
            // Three kinds per field: 33 frames, within the burst (50) and the run of bad frames that closes (100).
            foreach (var literal in JsonLiterals.Take(3))
            {
                var text = frame.Replace("PEER", peer, StringComparison.Ordinal).Replace("X", literal, StringComparison.Ordinal);
                await socket.SendTextAsync(text);
                var answer = await socket.ReceiveAsync();
                if (answer.GetProperty("type").GetString() != "error"
                    || answer.GetProperty("code").GetString() is not ("invalid_frame" or "too_large" or "unknown_recipient" or "forbidden"))
                {
                    failures.Add($"{text[..Math.Min(text.Length, 60)]} => {answer}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await socket.SendJsonAsync(new { type = "send", to = peer, text = "still here", clientId = "fz-after" });
        Assert.Equal("fz-after", (await socket.ExpectAsync("sent")).GetProperty("clientId").GetString());
    }

    private static async Task CheckAsync(List<string> failures, string what, HttpResponseMessage answer)
    {
        var status = (int)answer.StatusCode;
        if (status is < 400 or >= 500 || answer.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            failures.Add($"{what}: {status} {await answer.Content.ReadAsStringAsync()}");
        }
    }

    private async Task AssertAMessageStillGoesThroughAsync()
    {
        var (_, aliceToken) = await system.NewUserAsync("fa");
        var (bob, bobToken) = await system.NewUserAsync("fb");
        await using var alice = await system.ConnectAsync(aliceToken);
        await using var bobSocket = await system.ConnectAsync(bobToken);
        await alice.SendJsonAsync(new { type = "send", to = bob, text = "after the fuzz", clientId = "fz-1" });
        await alice.ExpectAsync("sent");
        Assert.Equal("after the fuzz", (await bobSocket.ExpectAsync("message")).GetProperty("text").GetString());
    }

    private static (string Method, string Target, string Body) Split(string template)
    {
        var parts = template.Split(' ', 3);
        return (parts[0], parts[1], parts[2]);
    }

    /// <summary>The body with <paramref name="bytes"/> inside a JSON string where X stood.</summary>
    private static byte[] Splice(string body, byte[] bytes)
    {
        var at = body.IndexOf('X', StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(body[..at] + "\"a"), .. bytes, .. Encoding.UTF8.GetBytes("b\"" + body[(at + 1)..])];
    }
}
