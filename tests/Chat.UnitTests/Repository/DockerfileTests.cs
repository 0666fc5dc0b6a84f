using System.Text.RegularExpressions;
using Chat.Testing;

namespace Chat.UnitTests.Repository;

/// <summary>The Dockerfile compose builds its images from, read as text: no Docker engine needed.</summary>
public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = Path.Combine(RepositoryPaths.Root, "Dockerfile");

    [Fact]
    public void Every_cache_mount_is_locked_so_parallel_restores_take_turns()
    {
        var mounts = CacheMount().Matches(File.ReadAllText(Dockerfile)).Select(m => m.Value).ToList();

        Assert.NotEmpty(mounts);
        Assert.All(mounts, m => Assert.Contains("sharing=locked", m, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"--mount=type=cache\S*")]
    private static partial Regex CacheMount();
}
