using System.Text.RegularExpressions;
using Chat.Contracts.User.V1;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Chat.Edge.Realtime.Sending;

/// <summary>
/// Answers "does this user exist?" for senders and the history API. Answers are cached: a
/// user who exists keeps existing (accounts are not deleted), so yes is cached long; no is cached
/// briefly, because the name may be registered any moment.
/// </summary>
public sealed partial class RecipientDirectory(UserService.UserServiceClient users, IMemoryCache cache, IOptions<RealtimeOptions> options)
{
    private static readonly TimeSpan KnownFor = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan UnknownFor = TimeSpan.FromSeconds(5);

    /// <summary>True when the user exists. Throws <see cref="Grpc.Core.RpcException"/> when UserService cannot answer.</summary>
    public async ValueTask<bool> ExistsAsync(string username, CancellationToken cancellationToken)
    {
        if (!UsernameShape().IsMatch(username))
        {
            return false; // cannot have been registered: no need to ask
        }
        var key = (typeof(RecipientDirectory), username);
        if (cache.TryGetValue(key, out bool known))
        {
            return known;
        }
        var response = await users.LookupUsersAsync(
            new LookupUsersRequest { Usernames = { username } },
            deadline: DateTime.UtcNow + options.Value.CallTimeout,
            cancellationToken: cancellationToken);
        var exists = response.Users.Any(u => u.Username == username);
        cache.Set(key, exists, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = exists ? KnownFor : UnknownFor, Size = 1 });
        return exists;
    }

    /// <summary>The contract's usernames: 3–32 of a-z 0-9 _ . - (already lower-cased).</summary>
    [GeneratedRegex("^[a-z0-9_.-]{3,32}$")]
    private static partial Regex UsernameShape();
}
