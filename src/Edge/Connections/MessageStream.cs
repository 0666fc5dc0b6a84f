using System.Net.WebSockets;
using Chat.Edge.Bus;
using Chat.Edge.Inbox;
using Chat.Edge.Observability;
using Grpc.Core;

namespace Chat.Edge.Connections;

/// <summary>
/// One connection's stream of the user's messages: catch-up from the store, live messages from
/// the bus, gaps filled from the store, each written once in id order (the rule is
/// <see cref="DeliveryOrder"/>'s), and receipts and typing as they come. Runs inside the
/// <see cref="ConnectionWriter"/>'s pump, so it is never called twice at once.
/// </summary>
public sealed class MessageStream : IMessageStream
{
    private readonly ConnectionWriter _writer;
    private readonly string _user;
    private readonly ConnectionServices _services;
    private readonly DeliveryOrder _order;

    // 1 while a catch-up is queued and not yet begun: requests meanwhile are covered by it, so a
    // store that is slow to answer never fills the queue with catch-ups (they come every second
    // while Redis is away).
    private int _catchUpQueued;

    /// <param name="startAfter">
    /// Where the stream starts: the client's <c>?after</c>, or the user's delivery mark read
    /// before the connection joined the registry and the bus. It is fixed before anything can be
    /// queued: read later, another connection of the same user could have moved the shared mark
    /// past a live message already queued here, which would then be dropped as already delivered.
    /// </param>
    public MessageStream(ConnectionWriter writer, string user, string startAfter, ConnectionServices services)
    {
        _writer = writer;
        _user = user;
        _services = services;
        _order = new DeliveryOrder(startAfter);
    }

    /// <summary>
    /// Asks for a read of the store after what was last written, in its turn after what is
    /// queued: for when the bus may have lost events (Redis is or was away). A request while
    /// another is still queued is already answered by that one.
    /// </summary>
    public void RequestCatchUp()
    {
        if (Interlocked.Exchange(ref _catchUpQueued, 1) == 0)
        {
            _writer.Enqueue(BusEvent.CatchUp);
        }
    }

    public Task CatchUpOnConnectAsync(CancellationToken stop) => CatchUpAsync("connect", stop);

    public async Task WriteAsync(BusEvent item, CancellationToken stop)
    {
        if (item.Kind == BusEventKind.CatchUp)
        {
            // Cleared before the read: a request from now on may concern a message it misses.
            Volatile.Write(ref _catchUpQueued, 0);
            await CatchUpAsync("bus", stop);
            return;
        }
        if (item.IsEphemeral)
        {
            await _writer.WriteAsync(item.Frame); // receipts and typing: live only, outside the id order
            _services.Metrics.FrameSent(item.Kind == BusEventKind.Read ? "read" : "typing");
            return;
        }
        var placement = _order.Place(item.Id, item.PreviousId);
        if (placement == LivePlacement.AlreadyDelivered)
        {
            return;
        }
        using var activity = EdgeActivities.StartDeliver(item.TraceParent, item.Id);
        if (placement == LivePlacement.FillGapFirst)
        {
            _services.Metrics.GapFilled();
            if (!await CatchUpAsync("gap", stop) || _order.PlaceAfterGapFill(item.Id) == LivePlacement.AlreadyDelivered)
            {
                return;
            }
            ConnectionLog.NotInStore(_services.Logger, _user, item.Id);
        }
        await WriteMessageAsync(item.Id, item.Frame);
        _services.Metrics.MessageDelivered(fromStore: false);
    }

    public void Closing() => _services.DeliveryMarks.Flush(_user);

    /// <summary>
    /// Writes every stored message after the last one written, oldest first. The store is retried
    /// while ChatService is unavailable; live events wait in the queue meanwhile. False when
    /// ChatService refused the read: the connection then closes with 1011 rather than deliver out
    /// of order, and the client reconnects and tries again.
    /// </summary>
    /// <param name="reason">Why, for the page counter: connect, gap, bus.</param>
    private async Task<bool> CatchUpAsync(string reason, CancellationToken stop)
    {
        var cursor = _order.LastDelivered;
        while (true)
        {
            InboxPage page;
            try
            {
                page = await _services.Inbox.SyncAsync(_user, cursor, _services.Options.SyncPageSize, stop);
            }
            catch (RpcException) when (stop.IsCancellationRequested)
            {
                // A call cancelled by the close ends as RpcException: to the pump, it is the close.
                throw new OperationCanceledException(stop);
            }
            catch (RpcException e)
            {
                // Not an outage (those are retried): ChatService refused the sync itself.
                ConnectionLog.SyncRefused(_services.Logger, _user, e.StatusCode);
                _writer.RequestClose(WebSocketCloseStatus.InternalServerError, "messages cannot be synced right now");
                return false;
            }
            _services.Metrics.CatchUpPageRead(reason);
            foreach (var message in page.Messages)
            {
                if (_order.IsNew(message.Id))
                {
                    await WriteMessageAsync(message.Id, message.Frame);
                    _services.Metrics.MessageDelivered(fromStore: true);
                }
            }
            if (DeliveryOrder.NextPageAfter(page) is not { } next)
            {
                return true;
            }
            cursor = next;
        }
    }

    private async Task WriteMessageAsync(string id, byte[] frame)
    {
        await _writer.WriteAsync(frame);
        _services.Metrics.FrameSent("message");
        _order.Delivered(id);
        _services.DeliveryMarks.Advance(_user, id);
    }
}
