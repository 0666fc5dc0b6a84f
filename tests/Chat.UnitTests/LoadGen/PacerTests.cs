using Chat.LoadGen;

namespace Chat.UnitTests.LoadGen;

/// <summary>
/// The open-loop schedule's clock: how precisely it wakes is measured by every load run
/// (<c>postLagMs</c> in the result), not here; here, that it runs the schedule to its end on a
/// thread of its own and reports a failure instead of swallowing it.
/// </summary>
public class PacerTests
{
    [Fact]
    public async Task It_calls_the_schedule_until_the_schedule_says_it_is_done()
    {
        var calls = 0;
        var onPool = false;

        await Pacer.RunAsync(() =>
        {
            onPool |= Thread.CurrentThread.IsThreadPoolThread;
            return ++calls < 3;
        });

        Assert.Equal(3, calls);
        Assert.False(onPool);
    }

    [Fact]
    public async Task A_schedule_that_throws_fails_the_run()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Pacer.RunAsync(() => throw new InvalidOperationException("no recipient")));

        Assert.Equal("no recipient", failure.Message);
    }
}
