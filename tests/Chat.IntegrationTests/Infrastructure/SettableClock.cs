namespace Chat.IntegrationTests.Infrastructure;

/// <summary>A TimeProvider whose time moves only when the test says so: days pass without waiting.</summary>
public sealed class SettableClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
