using System.Net;
using Chat.IntegrationTests.Realtime;

namespace Chat.IntegrationTests.ScaleOut;

/// <summary>Token checks and username lookups shared through Redis (a system of its own: it kills UserService).</summary>
public sealed class SharedCacheAcrossReplicasTests(ScaleOutSystem system) : IClassFixture<ScaleOutSystem>
{
    [Fact]
    public async Task With_UserService_down_replica_B_accepts_a_token_and_a_recipient_that_replica_A_checked()
    {
        var (_, aliceToken) = await system.NewUserAsync("alice");
        var (bob, _) = await system.NewUserAsync("bob");
        var (_, carolToken) = await system.NewUserAsync("carol");
        await using (var onA = await system.ConnectAsync(aliceToken, edge: system.EdgeA))
        {
            await onA.SendTextAsync($"{bob} checked on A");
            await onA.ExpectAsync("sent");
        }

        await system.Users.KillAsync();

        await using var onB = await system.ConnectAsync(aliceToken, edge: system.EdgeB);
        await onB.SendTextAsync($"{bob} sent from B");
        await onB.ExpectAsync("sent");
        // A token no replica has seen cannot be checked now: proof that UserService is really away.
        var ws = new Uri($"ws://{system.EdgeB.Address.Authority}/ws");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ChatClient.RefusedStatusAsync(ws, $"Bearer {carolToken}"));
    }
}
