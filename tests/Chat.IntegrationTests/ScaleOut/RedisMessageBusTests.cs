using System.Text;
using Chat.Edge.Bus;
using Chat.Edge.Redis;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>The bus contract between replicas joined by a real Redis, and what Redis adds: outages.</summary>
public sealed class RedisMessageBusTests : MessageBusContract
{
    protected override async Task<BusReplica> StartReplicaAsync()
    {
        var redis = await RedisServer.SharedAsync();
        var replica = RedisReplica.Start(redis.ConnectionString);
        await replica.WaitConnectedAsync();
        return replica.AsBusReplica();
    }

    [Fact]
    public async Task After_the_last_unsubscription_a_replica_gets_no_more_events_of_the_user()
    {
        var redis = await RedisServer.SharedAsync();
        await using var a = RedisReplica.Start(redis.ConnectionString);
        await using var b = RedisReplica.Start(redis.ConnectionString);
        var bob = NewUser();
        await b.Bus.SubscribeAsync(bob);
        Assert.True(b.Bus.IsSubscribed(bob));
        await b.Bus.UnsubscribeAsync(bob);
        Assert.False(b.Bus.IsSubscribed(bob));

        await a.Bus.PublishAsync(bob, Message(1, bob), CancellationToken.None);

        await b.Delivery.ExpectNoneAsync(bob, TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task Payloads_that_are_not_envelopes_are_ignored_and_the_channel_keeps_delivering()
    {
        var redis = await RedisServer.SharedAsync();
        await using var a = RedisReplica.Start(redis.ConnectionString);
        await using var b = RedisReplica.Start(redis.ConnectionString);
        await a.WaitConnectedAsync();
        var bob = NewUser();
        await b.Bus.SubscribeAsync(bob);
        var channel = RedisChannels.User(bob, a.Connection.IsCluster);

        // A replica of before (the JSON envelope), another program, half an envelope.
        await a.Connection.Subscriber.PublishAsync(channel, Encoding.UTF8.GetBytes("""{"origin":"old","event":{"kind":1,"id":"1","text":"hi"}}"""));
        await a.Connection.Subscriber.PublishAsync(channel, "hello");
        await a.Connection.Subscriber.PublishAsync(channel, BusEnvelope.Write("old"u8, Message(1, bob))[..10]);
        await a.Bus.PublishAsync(bob, Message(2, bob), CancellationToken.None);

        Assert.Equal(Message(2, bob).Id, (await b.Delivery.NextAsync(bob)).Id);
    }

    [Fact]
    public async Task While_Redis_is_down_publishing_delivers_locally_and_never_throws()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var a = RedisReplica.Start(redis.ConnectionString);
        var bob = NewUser();
        await a.Bus.SubscribeAsync(bob);

        await redis.StopAsync();
        await a.WaitConnectedAsync(false);
        for (var i = 0; i < 3; i++)
        {
            await a.Bus.PublishAsync(bob, Message(i, bob), CancellationToken.None);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Message(i, bob).Id, (await a.Delivery.NextAsync(bob)).Id);
        }
    }

    [Fact]
    public async Task A_subscription_made_before_Redis_restarts_works_after_it()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var a = RedisReplica.Start(redis.ConnectionString);
        await using var b = RedisReplica.Start(redis.ConnectionString);
        var bob = NewUser();
        await b.Bus.SubscribeAsync(bob);

        await redis.StopAsync();
        await b.WaitConnectedAsync(false);
        await redis.StartAsync();
        await a.WaitConnectedAsync();
        await b.WaitConnectedAsync();

        // The client re-subscribes right after reconnecting; publish until that has reached Redis.
        BusEvent? got = null;
        for (var i = 0; got is null && i < 50; i++)
        {
            await a.Bus.PublishAsync(bob, Message(i, bob), CancellationToken.None);
            got = await b.Delivery.TryNextAsync(bob, TimeSpan.FromMilliseconds(200));
        }
        Assert.NotNull(got);
    }

    [Fact]
    public async Task After_an_outage_failed_subscriptions_are_made_and_missed_users_are_told_to_catch_up()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var a = RedisReplica.Start(redis.ConnectionString);
        await using var b = RedisReplica.Start(redis.ConnectionString);
        var bob = NewUser();

        await redis.StopAsync();
        await a.WaitConnectedAsync(false);
        await b.WaitConnectedAsync(false);
        await b.Bus.SubscribeAsync(bob); // bob connects to B during the outage
        Assert.False(b.Bus.IsSubscribed(bob));
        await a.Bus.PublishAsync(bob, Message(1, bob), CancellationToken.None); // lost for B

        await redis.StartAsync();
        await a.WaitConnectedAsync();
        await b.WaitConnectedAsync();
        await b.Bus.RecoverAsync(CancellationToken.None);
        Assert.True(b.Bus.IsSubscribed(bob));
        await a.Bus.RecoverAsync(CancellationToken.None);

        Assert.Equal(BusEventKind.CatchUp, (await b.Delivery.NextAsync(bob)).Kind); // B: "you were unsubscribed"
        Assert.Equal(BusEventKind.CatchUp, (await b.Delivery.NextAsync(bob)).Kind); // A: "I could not publish to you"
        await a.Bus.PublishAsync(bob, Message(2, bob), CancellationToken.None);
        Assert.Equal(Message(2, bob).Id, (await b.Delivery.NextAsync(bob)).Id);
    }
}
