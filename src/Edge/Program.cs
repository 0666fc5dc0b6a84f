using Chat.Edge;
using Chat.ServiceDefaults;

// The table of contents is EdgeApplication: AddEdge lists what the Edge registers, MapEdge its
// pipeline. It lives there so that bench/RelayEdge can build the same Edge.
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddEdge();

    var app = builder.Build();
    app.MapEdge();
    await app.RunAsync();
    return 0;
}
catch (StartupException e)
{
    // For the operator: what is wrong and how to fix it, not a stack trace.
    await Console.Error.WriteLineAsync($"Edge cannot start: {e.Message}");
    return 2;
}
