using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Chat.UserService.Tokens;

public static class TokenExtensions
{
    /// <summary>
    /// JWT issuing and validation, with the signing key loaded as the service starts (it is checked
    /// with the options): a missing key in Production stops the start before anything listens.
    /// </summary>
    public static IHostApplicationBuilder AddTokens(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<TokenSigningKey>()
            .Configure<IOptions<JwtOptions>, IHostEnvironment, ILoggerFactory>((signing, jwt, environment, loggers) =>
                signing.Key = SigningKeyLoader.Load(jwt.Value, environment, loggers.CreateLogger("Chat.UserService.Tokens")))
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new TokenService(
            sp.GetRequiredService<IOptions<JwtOptions>>().Value,
            sp.GetRequiredService<IOptions<TokenSigningKey>>().Value.Key!,
            sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}

/// <summary>The loaded signing key, as options so that it is loaded (and a missing one refused) at start.</summary>
public sealed class TokenSigningKey
{
    public ECDsaSecurityKey? Key { get; set; }
}
