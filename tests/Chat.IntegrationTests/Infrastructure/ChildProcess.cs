using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// A long-running process a test started (a service, Redis, nginx): its output is kept for the
/// test to read and to show when something fails, and it is killed when disposed.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    // Completed (and replaced) whenever a line arrives or a stream ends: what a waiter awaits.
    private TaskCompletionSource _changed = NewSignal();

    // stdout and stderr each end with a null line once the pipe is drained; only after both can
    // no line come any more. The process's exit says nothing about that: a process that printed
    // its last line and exited can have it still in the pipe, or on its way to OnLine.
    private int _openStreams = 2;
    private readonly TaskCompletionSource _drained = NewSignal();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Every line written to stdout and stderr so far, in arrival order.</summary>
    public IReadOnlyList<string> Output => [.. _lines];

    public static ChildProcess Start(string name, string file, IEnumerable<string> args, IDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[key] = value;
        }
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start " + file);
        }
        TestRun.Register(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
        else if (Interlocked.Decrement(ref _openStreams) == 0)
        {
            _drained.TrySetResult();
        }
        Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
    }

    /// <summary>Completes once both output streams have ended: <see cref="Output"/> is then whole.</summary>
    public Task OutputComplete => _drained.Task;

    /// <summary>
    /// Waits for an output line matching <paramref name="pattern"/> and returns its match; fails
    /// as soon as the output is complete (both streams ended) without one.
    /// </summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = 0;
        while (true)
        {
            // Both read before the scan: a line that arrives after it completes `changed`, and
            // when the output was complete before it, the scan has seen every line there is.
            var changed = Volatile.Read(ref _changed).Task;
            var complete = _drained.Task.IsCompleted || await EndedWithoutDrainingAsync(cts.Token);
            var lines = _lines.ToArray();
            for (; seen < lines.Length; seen++)
            {
                var m = pattern.Match(lines[seen]);
                if (m.Success)
                {
                    return m;
                }
            }
            try
            {
                if (complete)
                {
                    await _process.WaitForExitAsync(cts.Token); // for the exit code; the pipes closed, so it is on its way
                    throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before printing /{pattern}/:\n{string.Join('\n', _lines)}");
                }
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} did not print /{pattern}/ within {timeout}:\n{string.Join('\n', _lines)}");
            }
        }
    }

    /// <summary>
    /// True when the process has exited and its pipes still have not ended a while later: a
    /// process it started holds them open (nginx's workers do), so no end-of-stream will come.
    /// </summary>
    private async Task<bool> EndedWithoutDrainingAsync(CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            return false;
        }
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(2));
        await _drained.Task.WaitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return true;
    }

    /// <summary>SIGKILL: the process gets no chance to clean up, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            TestRun.KillHard(_process.Id);
            await _process.WaitForExitAsync();
        }
        TestRun.Unregister(_process.Id);
    }

    /// <summary>SIGTERM and wait for a graceful exit (killed after <paramref name="grace"/>).</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (!_process.HasExited)
        {
            TestRun.Terminate(_process.Id);
            using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }
        TestRun.Unregister(_process.Id);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
