using Chat.Edge;
using Chat.RelayEdge;
using Chat.ServiceDefaults;

// The Edge with the relay-only message path (RelayMessaging): the benchmark's ceiling of our
// WebSocket path. bench/run.sh starts it; no product build contains it.
return await ServiceHost.RunAsync("RelayEdge", args,
    builder => builder.AddEdge(RelayMessaging.AddRelayMessagePath),
    app =>
    {
        app.MapEdge();
        return Task.CompletedTask;
    });
