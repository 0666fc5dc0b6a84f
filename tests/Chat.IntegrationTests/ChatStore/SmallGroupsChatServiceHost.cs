namespace Chat.IntegrationTests.ChatStore;

/// <summary>A ChatService whose groups hold at most four members, so the limit is quick to reach.</summary>
public sealed class SmallGroupsChatServiceHost : ChatServiceHost
{
    public const int MaxMembers = 4;

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Groups__MaxMembers"] = MaxMembers.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
