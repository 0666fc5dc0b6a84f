using Chat.ServiceDefaults.Discovery;

namespace Chat.UnitTests.Discovery;

/// <summary>Consul's blocking-query index rules, as its documentation states them.</summary>
public sealed class BlockingIndexTests
{
    [Fact]
    public void The_index_rules_follow_the_documentation()
    {
        Assert.Equal(0UL, BlockingIndex.Next(sent: 50, answered: 3));  // went backwards: start over
        Assert.Equal(1UL, BlockingIndex.Next(sent: 0, answered: 0));   // never below 1
        Assert.Equal(51UL, BlockingIndex.Next(sent: 50, answered: 51));
        Assert.True(BlockingIndex.Changed(0, 7));
        Assert.False(BlockingIndex.Changed(7, 7));
    }
}
