using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Discovery;
using Chat.ServiceDefaults.Telemetry;
using Chat.UserService.Accounts;
using Chat.UserService.Grpc;
using Chat.UserService.Tokens;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.AddTelemetry("user-service");
    builder.AddGrpcServiceDefaults(o => o.DependencyName = "the user database");
    builder.AddConsulRegistration("user-service", ConsulCheckKind.Grpc);
    builder.AddAccountStore();
    builder.AddTokens();
    builder.AddUserApi();

    var app = builder.Build();
    await app.MigrateAccountStoreAsync();
    app.MapDefaultEndpoints();
    app.MapGrpcDefaultEndpoints();
    app.MapUserApi();
    await app.RunAsync();
    return 0;
}
catch (StartupException e)
{
    // For the operator: what is wrong and how to fix it, not a stack trace.
    await Console.Error.WriteLineAsync($"UserService cannot start: {e.Message}");
    return 2;
}
