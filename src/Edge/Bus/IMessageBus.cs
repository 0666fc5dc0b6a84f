namespace Chat.Edge.Bus;

/// <summary>
/// Carries events to the Edge replicas where their user is connected. The replica says which
/// users it holds connections for (<see cref="SubscribeAsync"/>), and the bus hands every event
/// for them to <see cref="ILocalDelivery"/>. Per-user order: events published one after the other
/// for one user arrive in that order. The bus may lose events (a Redis outage); connections
/// notice the gap through <see cref="BusEvent.PreviousId"/> and fill it from the store.
/// </summary>
public interface IMessageBus
{
    Task PublishAsync(string user, BusEvent busEvent, CancellationToken cancellationToken);

    /// <summary>This replica has a first connection of <paramref name="user"/>.</summary>
    Task SubscribeAsync(string user);

    /// <summary>This replica's last connection of <paramref name="user"/> closed.</summary>
    Task UnsubscribeAsync(string user);
}

/// <summary>
/// This replica's connections as the bus sees them (the connection registry): where it hands an
/// event for a user connected here, and whom it asks to read the store when it may have lost events.
/// </summary>
public interface ILocalDelivery
{
    void Deliver(string user, BusEvent busEvent);

    /// <summary>
    /// Asks every open connection to read the store after what it last wrote, <paramref name="batchSize"/>
    /// at a time with <paramref name="pause"/> between batches, so ChatService sees a ramp rather
    /// than every connection of the replica at once. Returns how many were asked.
    /// </summary>
    Task<int> RequestCatchUpAsync(int batchSize, TimeSpan pause, CancellationToken cancellationToken);
}
