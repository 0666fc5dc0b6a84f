using Chat.ServiceDefaults.Postgres;

namespace Chat.UnitTests.Postgres;

/// <summary>The settings the services add to their PostgreSQL connection strings, and a connection string's own setting winning.</summary>
public sealed class ConnectionStringDefaultsTests
{
    private const string Added = ";Maximum Pool Size=7;Max Auto Prepare=32;No Reset On Close=true";

    [Theory]
    [InlineData("Host=db;Database=chat", "Host=db;Database=chat" + Added)]
    [InlineData("Host=db;Database=chat;", "Host=db;Database=chat" + Added)]
    public void Every_setting_is_added_to_a_string_without_them(string given, string expected) =>
        Assert.Equal(expected, ConnectionStringDefaults.Apply(given, 7));

    [Theory]
    [InlineData("Host=db;Max Pool Size=3", "Maximum Pool Size")]
    [InlineData("Host=db;maxpoolsize=3", "Maximum Pool Size")]
    [InlineData("Host=db;Maximum Pool Size=300", "Maximum Pool Size")]
    [InlineData("Host=db;Max Auto Prepare=0", "Max Auto Prepare")]
    [InlineData("Host=db;maxautoprepare=5", "Max Auto Prepare")]
    [InlineData("Host=db;No Reset On Close=false", "No Reset On Close")]
    [InlineData("Host=db;noresetonclose=false", "No Reset On Close")]
    public void A_setting_the_string_makes_itself_is_left_as_it_is(string given, string ownSetting)
    {
        var applied = ConnectionStringDefaults.Apply(given, 7);

        Assert.StartsWith(given + ";", applied, StringComparison.Ordinal);
        Assert.DoesNotContain(ownSetting + "=", applied[given.Length..], StringComparison.Ordinal);
        Assert.Equal(2, applied[given.Length..].Count(c => c == '='));
    }
}
