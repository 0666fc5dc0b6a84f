using Chat.ChatService.Grpc;
using Chat.ChatService.Storage;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Discovery;
using MongoDB.Driver;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGrpcServiceDefaults(o =>
{
    o.DependencyName = "the message store";
    o.Outages.Add(e => e is MongoConnectionException or TimeoutException);
});
builder.AddConsulRegistration("chat-service", ConsulCheckKind.Grpc);
builder.AddMessageStore();

var app = builder.Build();
await app.InitializeMessageStoreAsync();
app.MapDefaultEndpoints();
app.MapGrpcDefaultEndpoints();
app.MapGrpcService<ChatGrpcService>();
app.Run();
