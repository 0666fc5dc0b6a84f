using Chat.Edge.Accounts;
using Chat.Edge.Messages;
using Chat.Edge.Realtime;
using Chat.Edge.Services;
using Chat.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGatewayForwardedHeaders();
builder.AddInternalServices();
builder.AddRealtime();
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseGatewayForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapAccountApi();
app.MapRealtime();
app.MapMessageHistory();
app.Run();
