namespace Chat.Bench;

/// <summary>Who writes to whom: each worker is one sender, writing round the same 1,000 recipients.</summary>
internal static class Users
{
    private const int Recipients = 1000;

    public const string Text = "a message of a typical length, some sixty bytes of UTF-8 text";

    public static string Sender(int worker) => $"sender{worker}";

    public static string Recipient(int worker, long i) => $"user{(worker * 7919 + i) % Recipients}";
}
