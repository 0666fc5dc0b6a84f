using Chat.Edge.Messages;
using Chat.Edge.Realtime;
using Chat.Edge.Services;
using Chat.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddInternalServices();
builder.AddRealtime();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapRealtime();
app.MapMessageHistory();
app.Run();
