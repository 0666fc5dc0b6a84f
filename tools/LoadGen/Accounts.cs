using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Chat.LoadGen;

/// <summary>Registers (or reuses) the load's users and logs them in.</summary>
public static class Accounts
{
    private const string Password = "loadgen-password";

    public static async Task<IReadOnlyList<(string Name, string Token)>> SignUpAsync(Uri target, string prefix, int count)
    {
        using var http = new HttpClient { BaseAddress = target };
        var users = new (string, string)[count];
        // A few at a time: each login is a PBKDF2 hash on UserService.
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var name = $"{prefix}{i}";
            var credentials = new { username = name, password = Password };
            var registered = await http.PostAsJsonAsync("/api/auth/register", credentials);
            if (registered.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            {
                throw new InvalidOperationException($"register {name}: {(int)registered.StatusCode}");
            }
            var login = await http.PostAsJsonAsync("/api/auth/login", credentials);
            login.EnsureSuccessStatusCode();
            users[i] = (name, (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
        });
        return users;
    }
}
