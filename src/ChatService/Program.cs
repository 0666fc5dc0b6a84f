using Chat.ChatService.Extensions;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Discovery;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
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
