using Chat.ServiceDefaults;

namespace Chat.ChatService.Storage;

public enum StoreProvider
{
    MongoDb,
    Postgres,
}

/// <summary>
/// Which store configuration asks for: <c>Storage:Provider</c> when set, else MongoDB when
/// <c>ConnectionStrings:MongoDb</c> is given, else PostgreSQL (<c>ConnectionStrings:Messages</c>).
/// </summary>
public static class StoreProviderSelection
{
    public static StoreProvider Choose(IConfiguration configuration)
    {
        var asked = configuration["Storage:Provider"];
        if (!string.IsNullOrWhiteSpace(asked))
        {
            return Enum.TryParse<StoreProvider>(asked, ignoreCase: true, out var provider)
                ? provider
                : throw new StartupException($"Storage:Provider is '{asked}', not one of MongoDb, Postgres.");
        }
        return string.IsNullOrWhiteSpace(configuration.GetConnectionString("MongoDb")) ? StoreProvider.Postgres : StoreProvider.MongoDb;
    }
}
