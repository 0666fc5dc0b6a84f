namespace Chat.Testing;

/// <summary>Where things are in the repository, found from the test assembly's location.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>
    /// The built entry assembly of a host under <c>src/</c> (or <paramref name="folder"/>, e.g.
    /// <c>bench</c>), e.g. <c>("UserService", "Chat.UserService")</c>.
    /// </summary>
    public static string ServiceAssembly(string project, string assemblyName, string folder = "src") =>
        Path.Combine(Root, folder, project, "bin", Configuration, "net10.0", assemblyName + ".dll");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Chat.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Chat.sln not found above " + AppContext.BaseDirectory);
    }
}
