using Chat.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Chat.UserService.Tokens;

public static class TokenExtensions
{
    /// <summary>
    /// JWT issuing and validation, with the signing key loaded now: a missing key in Production
    /// stops the start before anything listens.
    /// </summary>
    public static IHostApplicationBuilder AddTokens(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        if (options.Lifetime <= TimeSpan.Zero)
        {
            throw new StartupException("Jwt:Lifetime must be positive.");
        }
        using var loggers = LoggerFactory.Create(l => l.AddJsonConsole());
        var key = SigningKeyLoader.Load(options, builder.Environment, loggers.CreateLogger("Chat.UserService.Tokens"));
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(sp => new TokenService(options, key, sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}
