using Chat.Contracts.User.V1;
using Grpc.Core;
using Microsoft.Extensions.Caching.Memory;

namespace Chat.ChatService.Users;

/// <summary>
/// Whether usernames belong to accounts, as UserService (LookupUsers) says. A message or a group
/// member that names nobody is refused with NotFound before anything is stored.
/// </summary>
/// <remarks>
/// An account is never deleted, so a name found once is remembered (in a bounded cache) and the hot
/// path — the Edge sending to people who exist — asks UserService once per user, not per message.
/// A name not found is asked again next time: it may be registered a moment later.
/// </remarks>
internal sealed partial class UserDirectory(UserService.UserServiceClient users, ILogger<UserDirectory> logger) : IDisposable
{
    /// <summary>Names remembered at most; each costs a few dozen bytes.</summary>
    private const int RememberedNames = 200_000;

    private static readonly MemoryCacheEntryOptions Remembered = new() { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) };

    private readonly MemoryCache _known = new(new MemoryCacheOptions { SizeLimit = RememberedNames });

    /// <summary>
    /// Returns when every name is a registered user's. Throws NotFound naming the first that is not,
    /// Unavailable when UserService cannot answer (the caller may retry), or the call's own
    /// DeadlineExceeded / Cancelled.
    /// </summary>
    public async ValueTask RequireAllAsync(IReadOnlyCollection<string> usernames, ServerCallContext call)
    {
        var unknown = usernames.Where(name => !_known.TryGetValue(name, out _)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count == 0)
        {
            return;
        }
        // A name outside the contract's shape (or not in its one lower-case spelling) cannot be an
        // account's: no need to ask.
        if (unknown.FirstOrDefault(name => !UsernameRules.IsValidUsername(name)) is { } impossible)
        {
            throw NoSuchUser(impossible);
        }
        var found = await LookUpAsync(unknown, call);
        foreach (var name in found)
        {
            _known.Set(name, true, Remembered);
        }
        if (unknown.FirstOrDefault(name => !found.Contains(name)) is { } missing)
        {
            throw NoSuchUser(missing);
        }
    }

    private async Task<HashSet<string>> LookUpAsync(List<string> names, ServerCallContext call)
    {
        try
        {
            // The caller's deadline bounds this call too; without one, the client's default applies.
            var response = await users.LookupUsersAsync(
                new LookupUsersRequest { Usernames = { names } },
                deadline: call.Deadline == DateTime.MaxValue ? null : call.Deadline,
                cancellationToken: call.CancellationToken);
            return response.Users.Select(u => u.Username).ToHashSet(StringComparer.Ordinal);
        }
        catch (RpcException e) when (!call.CancellationToken.IsCancellationRequested)
        {
            // UserService's own status is not ours to pass on: to our caller, this is an outage.
            LogUnavailable(logger, e.StatusCode, e.Status.Detail);
            throw new RpcException(new Status(StatusCode.Unavailable, "UserService cannot tell who the users are; try again"));
        }
    }

    private static RpcException NoSuchUser(string username) => new(new Status(StatusCode.NotFound, $"no user is called {username}"));

    public void Dispose() => _known.Dispose();

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "UserService did not answer LookupUsers: {StatusCode} {Detail}")]
    private static partial void LogUnavailable(ILogger logger, StatusCode statusCode, string detail);
}
