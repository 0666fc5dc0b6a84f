using Chat.Edge;

namespace Chat.UnitTests.Architecture;

/// <summary>
/// The Edge's folders are its parts (CONTRIBUTING.md): each may use the parts below it, never
/// one that uses it back. A cycle means two parts can no longer be understood, tested or replaced
/// one without the other.
/// </summary>
public class EdgeLayoutTests
{
    private const string Root = "Chat.Edge";

    private static readonly NamespaceDependencies Edge = NamespaceDependencies.Of(typeof(EdgeApplication).Assembly, Root);

    [Fact]
    public void The_check_sees_the_dependencies_it_is_about()
    {
        // A check that found nothing would pass every layout: it must see what is certainly there.
        Assert.Contains($"{Root}.Protocol", Edge.UsedBy($"{Root}.Connections").Keys);
        Assert.Contains($"{Root}.Redis", Edge.UsedBy($"{Root}.Bus").Keys);
        Assert.Contains($"{Root}.Connections", Edge.UsedBy(Root).Keys);
    }

    [Fact]
    public void No_two_parts_of_the_Edge_use_each_other()
    {
        var cycles = Edge.Cycles();
        Assert.True(cycles.Count == 0, "namespace cycles:\n" + string.Join("\n", cycles.Select(Describe)));
    }

    [Theory]
    [InlineData("Protocol")]
    [InlineData("Redis")]
    [InlineData("Observability")]
    public void A_leaf_part_uses_no_other_part(string part)
    {
        var used = Edge.UsedBy($"{Root}.{part}");
        Assert.True(used.Count == 0, $"{part} uses: " + string.Join("; ", used.Select(u => $"{u.Key} ({u.Value})")));
    }

    [Fact]
    public void Only_the_host_uses_the_composition()
    {
        var users = Edge.Namespaces.Where(n => n != Root && Edge.UsedBy(n).ContainsKey(Root)).ToList();
        Assert.True(users.Count == 0, "parts that use the composition root: " + string.Join(", ", users.Select(u => $"{u} ({Edge.UsedBy(u)[Root]})")));
    }

    private static string Describe(IReadOnlyList<string> cycle) =>
        string.Join(" → ", cycle) + ":  " + string.Join("; ", cycle.Zip(cycle.Skip(1), (a, b) => Edge.UsedBy(a)[b]));
}
