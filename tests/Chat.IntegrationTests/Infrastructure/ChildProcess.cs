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
    private readonly SemaphoreSlim _newLine = new(0);

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

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        _lines.Enqueue(line);
        _newLine.Release();
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/> and returns its match.</summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = 0;
        while (true)
        {
            // Read before the scan: once the process has exited, its last lines may still be on
            // their way from the pipes, and WaitForExitAsync returns only after both have drained.
            var exited = _process.HasExited;
            if (exited)
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            var lines = _lines.ToArray();
            for (; seen < lines.Length; seen++)
            {
                var m = pattern.Match(lines[seen]);
                if (m.Success)
                {
                    return m;
                }
            }
            if (exited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before printing /{pattern}/:\n{string.Join('\n', _lines)}");
            }
            try
            {
                await _newLine.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Name} did not print /{pattern}/ within {timeout}:\n{string.Join('\n', _lines)}");
            }
        }
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
        _newLine.Dispose();
    }
}
