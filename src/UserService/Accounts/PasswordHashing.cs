using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;

namespace Chat.UserService.Accounts;

/// <summary>
/// Hashes and checks passwords on threads of its own, one per core but one (at least one), never
/// on the thread pool.
/// </summary>
/// <remarks>
/// A PBKDF2 hash is tens of milliseconds of CPU that cannot yield. Run on pool threads, a burst of
/// logins (a load generator signing up its users, everyone logging in again after an outage) took
/// every pool thread a 2-core machine had, and the calls that need none of that CPU — ValidateToken,
/// EndedSessions, health checks — waited for the pool to grow past their deadlines (the Edges then
/// answered 503). Here hashing waits in a queue while the pool stays free, one core is always
/// left for everything else, and a hash whose caller has given up (its deadline passed
/// while it waited) is not computed at all.
/// </remarks>
public sealed class PasswordHashing : IDisposable
{
    private readonly IPasswordHasher<UserAccount> _hasher = new PasswordHasher<UserAccount>();
    private readonly BlockingCollection<Action> _queue = [];
    private readonly Thread[] _threads;

    public PasswordHashing()
    {
        _threads = [.. Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount - 1)).Select(i => new Thread(Work) { IsBackground = true, Name = $"password-hashing-{i}" })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    public Task<string> HashAsync(UserAccount account, string password, CancellationToken cancellationToken) =>
        RunAsync(() => _hasher.HashPassword(account, password), cancellationToken);

    /// <summary>Checks <paramref name="password"/> against <paramref name="hash"/> (of <paramref name="account"/>, or a decoy's when null).</summary>
    public Task<PasswordVerificationResult> VerifyAsync(UserAccount? account, string hash, string password, CancellationToken cancellationToken) =>
        RunAsync(() => _hasher.VerifyHashedPassword(account!, hash, password), cancellationToken);

    private Task<T> RunAsync<T>(Func<T> hashing, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                result.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                result.TrySetResult(hashing());
            }
            catch (Exception e)
            {
                result.TrySetException(e);
            }
        }, CancellationToken.None);
        return result.Task.WaitAsync(cancellationToken);
    }

    private void Work()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            work();
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }
        _queue.Dispose();
    }
}
