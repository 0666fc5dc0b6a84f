using Chat.ChatService.Extensions;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Discovery;
using Chat.ServiceDefaults.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTelemetry("chat-service");
builder.AddGrpcServiceDefaults();
builder.AddConsulRegistration("chat-service", ConsulCheckKind.Grpc);
builder.AddConsulDiscovery();
builder.AddUserDirectory();
builder.AddChatGrpc();
builder.AddMessageStore();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapGrpcDefaultEndpoints();
app.MapChatGrpc();
app.Run();
