using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Discovery;
using Chat.ServiceDefaults.Telemetry;
using Chat.UserService.Accounts;
using Chat.UserService.Grpc;
using Chat.UserService.Tokens;

// A configuration that cannot work ends the start with one line and exit code 2 (ServiceHost).
return await ServiceHost.RunAsync("UserService", args,
    builder =>
    {
        builder.AddServiceDefaults();
        builder.AddTelemetry("user-service");
        builder.AddGrpcServiceDefaults(o => o.DependencyName = "the user database");
        builder.AddConsulRegistration("user-service", ConsulCheckKind.Grpc);
        builder.AddAccountStore();
        builder.AddTokens();
        builder.AddUserApi();
    },
    async app =>
    {
        await app.MigrateAccountStoreAsync();
        app.MapDefaultEndpoints();
        app.MapGrpcDefaultEndpoints();
        app.MapUserApi();
    });
