using System.Security.Cryptography;
using Chat.ServiceDefaults;
using Microsoft.IdentityModel.Tokens;

namespace Chat.UserService.Tokens;

/// <summary>
/// Finds the token signing key in configuration. Never in the repository: in Development a key is
/// generated at first start into a file outside version control (and the log says so); a
/// Production start without a key refuses to run.
/// </summary>
public static partial class SigningKeyLoader
{
    /// <summary>Where Development keeps its generated key when no file is configured (git-ignored).</summary>
    public const string DevelopmentKeyFile = ".local/jwt-signing-key.pem";

    public static ECDsaSecurityKey Load(JwtOptions options, IHostEnvironment environment, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            return FromPem(options.SigningKey, "Jwt:SigningKey");
        }
        var file = options.SigningKeyFile;
        if (!environment.IsDevelopment())
        {
            if (string.IsNullOrWhiteSpace(file) || !File.Exists(file))
            {
                throw new StartupException(
                    $"No token signing key: in the {environment.EnvironmentName} environment set Jwt__SigningKey " +
                    "(PEM of an ECDSA P-256 private key) or Jwt__SigningKeyFile (a path to one). Generate one with: " +
                    "openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt");
            }
            return FromPem(File.ReadAllText(file), file);
        }
        file = string.IsNullOrWhiteSpace(file) ? Path.Combine(environment.ContentRootPath, DevelopmentKeyFile) : file;
        if (File.Exists(file))
        {
            return FromPem(File.ReadAllText(file), file);
        }
        using var generated = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, generated.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        LogGenerated(logger, Path.GetFullPath(file));
        return FromPem(File.ReadAllText(file), file);
    }

    private static ECDsaSecurityKey FromPem(string pem, string source)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new StartupException($"The token signing key from {source} is not a PEM ECDSA private key: {e.Message}");
        }
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new StartupException($"The token signing key from {source} must be on curve P-256 (ES256), not {key.KeySize} bits.");
        }
        // The key id lets verifiers pick the right key once keys rotate.
        var keyId = Base64UrlEncoder.Encode(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
        return new ECDsaSecurityKey(key) { KeyId = keyId };
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Development: generated a new token signing key in {File}; set Jwt__SigningKey or Jwt__SigningKeyFile in production")]
    private static partial void LogGenerated(ILogger logger, string file);
}
