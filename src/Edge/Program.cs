using Chat.Edge;

// The table of contents is EdgeApplication: AddEdge lists what the Edge registers, MapEdge its
// pipeline. It lives there so that bench/RelayEdge can build the same Edge.
var builder = WebApplication.CreateBuilder(args);
builder.AddEdge();

var app = builder.Build();
app.MapEdge();
app.Run();
