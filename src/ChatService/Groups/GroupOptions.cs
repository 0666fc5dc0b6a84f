using System.ComponentModel.DataAnnotations;

namespace Chat.ChatService.Groups;

/// <summary>Group limits an operator may set (<c>Groups:*</c>), with the contract's defaults; the name's length is the contract's (MessageLimits).</summary>
public sealed class GroupOptions
{
    public const string Section = "Groups";

    /// <summary>Most members a group may have, the owner included.</summary>
    [Range(2, 100_000)]
    public int MaxMembers { get; set; } = 256;
}
