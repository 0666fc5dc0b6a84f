namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// Waiting for a condition that nothing announces (a peer's state, an HTTP answer, a counter):
/// asked again and again until it holds or a deadline passes, then the test fails saying what
/// was awaited. The one place tests poll; a fixed sleep that hopes the thing has happened is
/// never right.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(20);

    // Short against any deadline, long enough not to load a machine other tests share.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="what"/> (and <paramref name="explain"/>'s last word) after <paramref name="within"/>.</summary>
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null, Func<string?>? explain = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, within, explain);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, Func<string?>? explain = null) =>
        await ValueAsync(async () => (await condition(), true), what, within, explain);

    /// <summary>Waits until <paramref name="probe"/> says it has the value awaited, and returns that value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<(bool Done, T Value)>> probe, string what, TimeSpan? within = null, Func<string?>? explain = null)
    {
        var deadline = DateTime.UtcNow + (within ?? DefaultWithin);
        while (true)
        {
            var (done, value) = await probe();
            if (done)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {within ?? DefaultWithin}: {what} {explain?.Invoke()}".TrimEnd());
            }
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>
    /// Calls <paramref name="call"/> until it succeeds, retrying the failures <paramref name="retry"/>
    /// accepts; after <paramref name="within"/> the last failure reaches the test.
    /// </summary>
    public static async Task<T> SucceedsAsync<T>(Func<Task<T>> call, Func<Exception, bool> retry, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? DefaultWithin);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (retry(e) && DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(PollInterval);
        }
    }
}
