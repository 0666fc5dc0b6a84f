using System.Xml.Linq;
using Chat.Testing;

namespace Chat.UnitTests.Repository;

public sealed class BuildPropertiesTests
{
    [Fact]
    public void Nuget_audit_warnings_stay_warnings_under_warnings_as_errors()
    {
        var props = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props"));
        var notAsErrors = props.Descendants("WarningsNotAsErrors").SelectMany(e => e.Value.Split(';', StringSplitOptions.TrimEntries)).ToHashSet();

        Assert.Subset(notAsErrors, new HashSet<string>(["NU1901", "NU1902", "NU1903", "NU1904"]));
    }
}
