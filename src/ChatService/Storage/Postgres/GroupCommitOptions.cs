using System.ComponentModel.DataAnnotations;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// <c>Storage:GroupCommit:*</c>: concurrent 1:1 stores written together, one transaction (one
/// commit, one disk flush) for many messages. Each caller is answered only after that commit.
/// </summary>
public sealed class GroupCommitOptions
{
    public const string Section = "Storage:GroupCommit";

    public bool Enabled { get; set; } = true;

    /// <summary>Most messages in one transaction.</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 128;

    /// <summary>Transactions written at the same time (one gathers while another commits).</summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 2;
}
