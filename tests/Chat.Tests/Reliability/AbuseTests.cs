
public sealed class ResumeCursorTests(ChatSystem system) : IClassFixture<ChatSystem>
{
    [Fact]
    public async Task A_malformed_after_is_refused_with_400_before_the_upgrade()
    {
        var (_, token) = await system.NewUserAsync("cur");
        var ws = new Uri($"ws://{system.Edge.Address.Authority}/ws?after=drop%20table");
        Assert.Equal(HttpStatusCode.BadRequest, await WsClient.RefusedStatusAsync(ws, $"Bearer {token}"));
    }
}
