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

    /// <summary>
    /// Transactions written at the same time. One by default: the queue gathers while a batch
    /// commits, and a second writer's batch shares inbox heads with the first so often that it
    /// mostly waits for the first's locks, in batches half the size (bench/store-profile.sh, 64
    /// callers: 0.030 WAL flushes per message with one writer, 0.051 with two). More pays only
    /// when concurrent batches rarely share a user.
    /// </summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 1;
}
