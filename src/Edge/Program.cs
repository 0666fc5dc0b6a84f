using Chat.Edge.Accounts;
using Chat.Edge.Messages;
using Chat.Edge.Presence;
using Chat.Edge.Realtime;
using Chat.Edge.ScaleOut;
using Chat.Edge.Services;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Discovery;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGatewayForwardedHeaders();
builder.AddConsulRegistration("edge", ConsulCheckKind.Http);
builder.AddConsulDiscovery();
builder.AddInternalServices();
builder.AddRealtime();
builder.AddScaleOut();
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseGatewayForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapAccountApi();
app.MapRealtime();
app.MapMessageHistory();
app.MapPresence();
app.Run();
