using Chat.Testing;

namespace Chat.UnitTests.Repository;

public sealed class GitAttributesTests
{
    [Fact]
    public void Shell_scripts_are_checked_out_with_lf_line_endings_everywhere()
    {
        var path = Path.Combine(RepositoryPaths.Root, ".gitattributes");

        Assert.True(File.Exists(path), ".gitattributes is missing");
        Assert.Contains(File.ReadAllLines(path), l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is ["*.sh", "text", "eol=lf"]);
    }
}
