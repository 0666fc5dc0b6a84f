namespace Chat.Bench;

/// <summary>Who writes to whom: each worker is one sender, writing round the same 1,000 recipients.</summary>
internal static class Users
{
    private const int Recipients = 1000;

    public const string Text = "a message of a typical length, some sixty bytes of UTF-8 text";

    public static string Sender(int worker) => $"sender{worker}";

    /// <summary>The warm-up call is i = -1 (LoadRunner): the modulo is taken non-negative.</summary>
    public static string Recipient(int worker, long i) => $"user{((worker * 7919 + i) % Recipients + Recipients) % Recipients}";

    /// <summary>Every name the benchmark writes from or to, for up to <paramref name="workers"/> workers: ChatService stores only for accounts.</summary>
    public static IEnumerable<string> All(int workers) =>
        Enumerable.Range(0, workers).Select(Sender).Concat(Enumerable.Range(0, Recipients).Select(i => $"user{i}"));
}
