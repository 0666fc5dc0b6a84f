namespace Chat.LoadGen;

/// <summary>
/// The clock of the open-loop schedule: calls <c>postDue</c> about once a millisecond, on a thread
/// of its own, until it returns false.
/// </summary>
/// <remarks>
/// Every latency is measured from a message's intended time, so however late the generator posts
/// a message is counted as the servers' latency. It waits with <see cref="Thread.Sleep(int)"/>, a
/// sleep on the kernel's high-resolution clock (1.07 ms for one millisecond on the benchmark
/// machine), and not with <c>Task.Delay(1)</c>: .NET's timers count in
/// <see cref="Environment.TickCount64"/>, which on Linux reads the coarse monotonic clock, one
/// kernel tick per step (4 ms there: <c>Task.Delay(1)</c> took 4.4 ms), so each message was posted
/// up to 4.4 ms late, 2.2 ms on average, and at high rates in bursts of a tick's worth.
/// </remarks>
public static class Pacer
{
    public static Task RunAsync(Func<bool> postDue)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                while (postDue())
                {
                    Thread.Sleep(1);
                }
                finished.SetResult();
            }
            catch (Exception e)
            {
                finished.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "open-loop schedule",
        };
        thread.Start();
        return finished.Task;
    }
}
