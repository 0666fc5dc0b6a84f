using Chat.Edge;
using Chat.ServiceDefaults;

// The table of contents is EdgeApplication: AddEdge lists what the Edge registers, MapEdge its
// pipeline. It lives there so that bench/RelayEdge can build the same Edge. A configuration that
// cannot work ends the start with one line and exit code 2 (ServiceHost).
return await ServiceHost.RunAsync("Edge", args,
    builder => builder.AddEdge(),
    app =>
    {
        app.MapEdge();
        return Task.CompletedTask;
    });
