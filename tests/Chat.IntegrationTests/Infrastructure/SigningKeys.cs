using System.Security.Cryptography;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>Fresh ES256 keys for tests: generated per run, never stored in the repository.</summary>
public static class SigningKeys
{
    public static string NewPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }
}
