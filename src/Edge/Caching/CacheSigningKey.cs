using System.Security.Cryptography;
using Chat.ServiceDefaults;

namespace Chat.Edge.Caching;

/// <summary>
/// The key the Edges seal shared-cache entries with (<see cref="CacheEntrySeal"/>). Every replica
/// needs the same one, and nothing but the Edges may know it — Redis least of all. From
/// <c>Caching:SigningKey</c> (base64 of at least 32 random bytes) or <c>Caching:SigningKeyFile</c>;
/// in Development a key is generated at first start into a file outside version control; any
/// other environment without one refuses to start.
/// </summary>
public static partial class CacheSigningKey
{
    /// <summary>Where Development keeps its generated key when no file is configured (git-ignored).</summary>
    public const string DevelopmentKeyFile = ".local/edge-cache-key";

    public static byte[] Load(IConfiguration configuration, IHostEnvironment environment, ILogger logger)
    {
        if (configuration["Caching:SigningKey"] is { Length: > 0 } inline)
        {
            return Decode(inline, "Caching:SigningKey");
        }
        var file = configuration["Caching:SigningKeyFile"];
        if (string.IsNullOrWhiteSpace(file) && !environment.IsDevelopment())
        {
            throw new StartupException(
                $"No shared-cache signing key: with ConnectionStrings__Redis set, in the {environment.EnvironmentName} " +
                "environment set Caching__SigningKey (base64 of 32 random bytes: openssl rand -base64 32) or " +
                "Caching__SigningKeyFile, the same on every Edge replica.");
        }
        file = string.IsNullOrWhiteSpace(file) ? Path.Combine(environment.ContentRootPath, DevelopmentKeyFile) : file;
        if (File.Exists(file))
        {
            return Decode(File.ReadAllText(file).Trim(), file);
        }
        if (!environment.IsDevelopment())
        {
            throw new StartupException($"The shared-cache signing key file {file} does not exist.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(CacheEntrySeal.MinKeyBytes)));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        LogGenerated(logger, Path.GetFullPath(file));
        return Decode(File.ReadAllText(file), file);
    }

    private static byte[] Decode(string base64, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new StartupException($"The shared-cache signing key from {source} is not base64.");
        }
        return key.Length >= CacheEntrySeal.MinKeyBytes
            ? key
            : throw new StartupException($"The shared-cache signing key from {source} has {key.Length} bytes; at least {CacheEntrySeal.MinKeyBytes} are needed.");
    }

    [LoggerMessage(EventId = 880, Level = LogLevel.Warning, Message = "Development: generated a shared-cache signing key in {File}; every Edge replica needs the same Caching__SigningKey or Caching__SigningKeyFile")]
    private static partial void LogGenerated(ILogger logger, string file);
}

/// <summary>The loaded key, as options so that it is loaded (and a missing one refused) at start.</summary>
public sealed class CacheSigningKeyOptions
{
    public byte[] Key { get; set; } = [];
}
