namespace Chat.Edge.Connections;

/// <summary>What a <see cref="TokenLifetime"/> tells its connection.</summary>
/// <remarks>
/// An interface the connection implements rather than two callbacks: a delegate is an object of
/// 64 bytes, and every idle connection would hold two.
/// </remarks>
public interface ITokenLifetimeEvents
{
    /// <summary>The token expires in <paramref name="secondsLeft"/> whole seconds: time to warn the client.</summary>
    void Expiring(int secondsLeft);

    /// <summary>The token has expired: the connection ends.</summary>
    void Expired();
}
