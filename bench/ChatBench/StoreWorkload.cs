using Chat.ChatService.Storage;

namespace Chat.Bench;

/// <summary>
/// The store profile's fixed sequence of 1:1 messages: 200 users (bench/run.sh's 200
/// connections), each writing round 10 peers, so 2,000 conversations. Message i is always the
/// same sender, recipient, text and client id, whatever the run, so counts compare between runs.
/// </summary>
internal static class StoreWorkload
{
    public const int UserCount = 200;
    private const int PeersEach = 10;

    /// <summary>Messages stored before counting: every user's head and every conversation row exists after them.</summary>
    public const int WarmUp = UserCount * PeersEach;

    public static string User(int n) => $"user{n}";

    public static NewMessage Message(int i)
    {
        var sender = i % UserCount;
        var peer = (sender + 1 + i / UserCount % PeersEach) % UserCount;
        return new NewMessage(User(sender), User(peer), Users.Text, $"c{i}");
    }
}
