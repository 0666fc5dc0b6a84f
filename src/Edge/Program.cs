using Chat.Edge.Messages;
using Chat.Edge.Presence;
using Chat.Edge.Realtime;
using Chat.Edge.ScaleOut;
using Chat.Edge.Services;
using Chat.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddInternalServices();
builder.AddRealtime();
builder.AddScaleOut();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapRealtime();
app.MapMessageHistory();
app.MapPresence();
app.Run();
