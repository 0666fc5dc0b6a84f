using Chat.ChatService.Storage;
using Microsoft.Extensions.Configuration;

namespace Chat.UnitTests.ChatStore;

public sealed class StoreProviderSelectionTests
{
    [Theory]
    [InlineData(null, null, StoreProvider.Postgres)]
    [InlineData("mongodb://h/chat", null, StoreProvider.MongoDb)]
    [InlineData("mongodb://h/chat", "Postgres", StoreProvider.Postgres)]
    [InlineData(null, "mongodb", StoreProvider.MongoDb)]
    public void Mongo_is_the_default_when_its_connection_string_is_given(string? mongo, string? provider, StoreProvider expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:MongoDb"] = mongo,
            ["Storage:Provider"] = provider,
        }).Build();

        Assert.Equal(expected, StoreProviderSelection.Choose(configuration));
    }

    [Fact]
    public void An_unknown_provider_is_refused_at_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Provider"] = "Cassandra" }).Build();

        Assert.Throws<Chat.ServiceDefaults.StartupException>(() => StoreProviderSelection.Choose(configuration));
    }
}
