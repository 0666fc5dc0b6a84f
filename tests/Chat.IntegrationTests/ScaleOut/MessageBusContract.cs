using Chat.Edge.Bus;
using Chat.Edge.Protocol;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>
/// What every message bus promises (IMessageBus), written once and run against each backend.
/// A backend starts "replicas": buses that share one backend, each with its own local delivery.
/// A single-process backend has one replica, so there "another replica" is the same one.
/// </summary>
public abstract class MessageBusContract
{
    private static readonly DateTime SentAt = new(2026, 11, 25, 1, 2, 3, 456, 789, DateTimeKind.Utc);

    protected abstract Task<BusReplica> StartReplicaAsync();

    protected static string NewUser() => $"u{Guid.NewGuid():N}"[..20];

    protected static BusEvent Message(int n, string to, string from = "alice") => BusEvent.ForMessage(
        id: $"{n:D12}", previousId: n == 0 ? "" : $"{n - 1:D12}",
        frame: ServerFrames.Message($"{n:D12}", from, to, group: null, $"message {n} — ünïcødé ✓ \"quoted\"", SentAt),
        traceParent: n % 2 == 0 ? null : $"00-{n:x32}-{n:x16}-01");

    [Fact]
    public async Task An_event_published_on_one_replica_reaches_the_user_subscribed_on_another()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        await b.SubscribeAsync(bob);

        var sent = Message(7, bob);
        await a.Bus.PublishAsync(bob, sent, CancellationToken.None);

        var got = await b.Delivery.NextAsync(bob);
        Assert.Equal(BusEventKind.Message, got.Kind);
        Assert.Equal(sent.Id, got.Id);
        Assert.Equal(sent.PreviousId, got.PreviousId);
        Assert.Equal(sent.TraceParent, got.TraceParent);
        Assert.Equal(sent.Frame, got.Frame); // the bytes the sending replica rendered, not a re-rendering
    }

    [Fact]
    public async Task The_publishing_replica_delivers_its_own_event_exactly_once()
    {
        await using var a = await StartReplicaAsync();
        var bob = NewUser();
        await a.SubscribeAsync(bob);

        await a.Bus.PublishAsync(bob, Message(1, bob), CancellationToken.None);

        Assert.Equal(Message(1, bob).Id, (await a.Delivery.NextAsync(bob)).Id);
        await a.Delivery.ExpectNoneAsync(bob, TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task A_thousand_events_for_one_user_arrive_in_the_order_published()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        await b.SubscribeAsync(bob);

        for (var i = 0; i < 1000; i++)
        {
            await a.Bus.PublishAsync(bob, Message(i, bob), CancellationToken.None);
        }

        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(Message(i, bob).Id, (await b.Delivery.NextAsync(bob)).Id);
        }
    }

    [Fact]
    public async Task Each_user_gets_only_their_own_events()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        var carol = NewUser();
        await b.SubscribeAsync(bob);
        await b.SubscribeAsync(carol);

        await a.Bus.PublishAsync(carol, Message(1, carol), CancellationToken.None);
        await a.Bus.PublishAsync(bob, Message(2, bob), CancellationToken.None);

        Assert.Equal(Message(2, bob).Frame, (await b.Delivery.NextAsync(bob)).Frame);
        Assert.Equal(Message(1, carol).Frame, (await b.Delivery.NextAsync(carol)).Frame);
        await b.Delivery.ExpectNoneAsync(bob, TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Two_subscriptions_of_a_user_need_two_unsubscriptions()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        await b.SubscribeAsync(bob);
        await b.SubscribeAsync(bob);
        await b.Bus.UnsubscribeAsync(bob);

        await a.Bus.PublishAsync(bob, Message(1, bob), CancellationToken.None);

        Assert.Equal(Message(1, bob).Id, (await b.Delivery.NextAsync(bob)).Id);
    }

    [Fact]
    public async Task Subscriptions_racing_unsubscriptions_end_as_the_count_says()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        await b.SubscribeAsync(bob);

        // 50 connections closing while 50 others open, all at once: one remains wanted.
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() =>
            i % 2 == 0 ? b.Bus.SubscribeAsync(bob) : b.Bus.UnsubscribeAsync(bob))));
        await a.Bus.PublishAsync(bob, Message(1, bob), CancellationToken.None);

        Assert.Equal(Message(1, bob).Id, (await b.Delivery.NextAsync(bob)).Id);
    }

    [Fact]
    public async Task Read_receipts_and_typing_cross_the_bus_as_their_frames()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        await b.SubscribeAsync(bob);

        var read = BusEvent.ForRead("alice", with: "alice", group: null, upTo: "000000000007");
        var typing = BusEvent.ForTyping("alice", to: null, group: "g1");
        await a.Bus.PublishAsync(bob, read, CancellationToken.None);
        await a.Bus.PublishAsync(bob, typing, CancellationToken.None);

        var gotRead = await b.Delivery.NextAsync(bob);
        Assert.Equal((BusEventKind.Read, true), (gotRead.Kind, gotRead.IsEphemeral));
        Assert.Equal(read.Frame, gotRead.Frame);
        var gotTyping = await b.Delivery.NextAsync(bob);
        Assert.Equal(BusEventKind.Typing, gotTyping.Kind);
        Assert.Equal(typing.Frame, gotTyping.Frame);
    }

    [Fact]
    public async Task A_catch_up_request_crosses_the_bus()
    {
        await using var a = await StartReplicaAsync();
        await using var b = await StartReplicaAsync();
        var bob = NewUser();
        await b.SubscribeAsync(bob);

        await a.Bus.PublishAsync(bob, BusEvent.CatchUp, CancellationToken.None);

        Assert.Equal(BusEventKind.CatchUp, (await b.Delivery.NextAsync(bob)).Kind);
    }
}

/// <summary>One replica of a bus backend under test.</summary>
/// <param name="isSubscribed">Whether the bus holds the user's subscription now, for a bus whose
/// subscriptions can fail (Redis slow or away); null when they cannot.</param>
public sealed class BusReplica(IMessageBus bus, RecordingDelivery delivery, Func<string, bool>? isSubscribed = null, Func<ValueTask>? dispose = null)
    : IAsyncDisposable
{
    public IMessageBus Bus { get; } = bus;

    public RecordingDelivery Delivery { get; } = delivery;

    /// <summary>
    /// Subscribes the user and returns once the subscription holds. When the first attempt failed,
    /// the bus tries again on its own and then tells the user to catch up from the store (events may
    /// have passed meanwhile); that hint is taken here, so a test sees only the events it publishes
    /// after. Seen once under heavy load, on a cluster: the first frame a test waited for was that hint.
    /// </summary>
    public async Task SubscribeAsync(string user)
    {
        await Bus.SubscribeAsync(user);
        if (isSubscribed is null || isSubscribed(user))
        {
            return;
        }
        await Eventually.TrueAsync(() => isSubscribed(user), $"the subscription of {user}, retried");
        Assert.Equal(BusEventKind.CatchUp, (await Delivery.NextAsync(user)).Kind);
    }

    public ValueTask DisposeAsync() => dispose?.Invoke() ?? ValueTask.CompletedTask;
}
