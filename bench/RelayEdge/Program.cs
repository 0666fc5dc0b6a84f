using Chat.Edge;
using Chat.RelayEdge;

// The Edge with the relay-only message path (RelayMessaging): the benchmark's ceiling of our
// WebSocket path. bench/run.sh starts it; no product build contains it.
var builder = WebApplication.CreateBuilder(args);
builder.AddEdge(RelayMessaging.AddRelayMessagePath);

var app = builder.Build();
app.MapEdge();
app.Run();
