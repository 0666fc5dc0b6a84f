using System.ComponentModel.DataAnnotations;

namespace Chat.ChatService.Groups;

/// <summary>Group limits (<c>Groups:*</c>), with the contract's defaults.</summary>
public sealed class GroupOptions
{
    public const string Section = "Groups";

    /// <summary>Most members a group may have, the owner included.</summary>
    [Range(2, 100_000)]
    public int MaxMembers { get; set; } = 256;

    /// <summary>Longest group name, in characters (at least 1).</summary>
    [Range(1, 1_000)]
    public int MaxNameLength { get; set; } = 64;
}
