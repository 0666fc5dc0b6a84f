using Chat.ServiceDefaults.Postgres;

namespace Chat.UnitTests.Postgres;

/// <summary>The cap on the services' PostgreSQL pools, and a connection string's own cap winning over it.</summary>
public sealed class ConnectionPoolCapTests
{
    [Theory]
    [InlineData("Host=db;Database=chat", "Host=db;Database=chat;Maximum Pool Size=7")]
    [InlineData("Host=db;Database=chat;", "Host=db;Database=chat;Maximum Pool Size=7")]
    [InlineData("Host=db;Max Pool Size=3", "Host=db;Max Pool Size=3")]
    [InlineData("Host=db;maxpoolsize=3", "Host=db;maxpoolsize=3")]
    [InlineData("Host=db;Maximum Pool Size=300", "Host=db;Maximum Pool Size=300")]
    public void A_cap_is_added_unless_the_connection_string_sets_its_own(string given, string expected) =>
        Assert.Equal(expected, ConnectionPoolCap.Apply(given, 7));
}
