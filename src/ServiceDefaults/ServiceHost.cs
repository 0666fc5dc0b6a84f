using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chat.ServiceDefaults;

/// <summary>
/// How every service starts: registrations, then every option registered with
/// <c>ValidateOnStart</c> checked before anything runs, then the service. A configuration that
/// cannot work ends the start the same way in every service: one line on stderr naming the
/// setting and what is wrong (no stack trace: it is for an operator), and exit code
/// <see cref="BadConfigurationExitCode"/>.
/// </summary>
public static class ServiceHost
{
    public const int BadConfigurationExitCode = 2;

    /// <param name="name">How the operator knows the service ("Edge", "UserService").</param>
    /// <param name="configure">The registrations.</param>
    /// <param name="start">What runs once the configuration is known good, before the service listens: mapping, migrations.</param>
    public static async Task<int> RunAsync(string name, string[] args, Action<WebApplicationBuilder> configure, Func<WebApplication, Task> start)
    {
        try
        {
            var builder = WebApplication.CreateBuilder(args);
            configure(builder);
            await using var app = builder.Build();
            // What the host would check as it starts, checked here first: a failure there is
            // logged by the host with its stack trace before it reaches this method.
            app.Services.GetService<IStartupValidator>()?.Validate();
            await start(app);
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } reason)
        {
            await Console.Error.WriteLineAsync($"{name} cannot start: {reason}");
            return BadConfigurationExitCode;
        }
    }
}
