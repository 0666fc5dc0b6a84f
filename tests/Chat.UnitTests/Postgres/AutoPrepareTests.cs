using Chat.ServiceDefaults.Postgres;

namespace Chat.UnitTests.Postgres;

/// <summary>Automatic statement preparation added to the services' connection strings, and a connection string's own setting winning.</summary>
public sealed class AutoPrepareTests
{
    [Theory]
    [InlineData("Host=db;Database=chat", "Host=db;Database=chat;Max Auto Prepare=32")]
    [InlineData("Host=db;Database=chat;", "Host=db;Database=chat;Max Auto Prepare=32")]
    [InlineData("Host=db;Max Auto Prepare=0", "Host=db;Max Auto Prepare=0")]
    [InlineData("Host=db;maxautoprepare=5", "Host=db;maxautoprepare=5")]
    public void Preparation_is_added_unless_the_connection_string_sets_its_own(string given, string expected) =>
        Assert.Equal(expected, AutoPrepare.Apply(given));
}
