using Chat.ChatService.Extensions;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Discovery;
using Chat.ServiceDefaults.Telemetry;

// A configuration that cannot work ends the start with one line and exit code 2 (ServiceHost).
return await ServiceHost.RunAsync("ChatService", args,
    builder =>
    {
        builder.AddServiceDefaults();
        builder.AddTelemetry("chat-service");
        builder.AddGrpcServiceDefaults();
        builder.AddConsulRegistration("chat-service", ConsulCheckKind.Grpc);
        builder.AddConsulDiscovery();
        builder.AddUserDirectory();
        builder.AddChatGrpc();
        builder.AddMessageStore();
    },
    app =>
    {
        app.MapDefaultEndpoints();
        app.MapGrpcDefaultEndpoints();
        app.MapChatGrpc();
        return Task.CompletedTask;
    });
