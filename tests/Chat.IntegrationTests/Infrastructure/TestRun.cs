using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// The folder and the child processes of one test run. Everything a test starts is registered
/// here and killed when the run ends; a run that was itself killed (Ctrl-C, CI timeout) leaves a
/// folder whose owner is dead, and the next run sweeps it, killing what it lists.
/// </summary>
public static partial class TestRun
{
    private static readonly string BaseFolder = Path.Combine(Path.GetTempPath(), "chat-tests");
    private static readonly Lock Gate = new();
    private static readonly List<int> Children = [];
    private static readonly string PidsFile;

    public static string Folder { get; }

    static TestRun()
    {
        Directory.CreateDirectory(BaseFolder);
        SweepAbandonedRuns();
        Folder = Path.Combine(BaseFolder, $"run-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        PidsFile = Path.Combine(Folder, "children.pids");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => CleanUp();
    }

    /// <summary>A new empty folder inside this run's folder.</summary>
    public static string NewFolder(string name)
    {
        var path = Path.Combine(Folder, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Remembers a process to kill when the run ends (or when the next run finds this one dead).</summary>
    public static void Register(int pid)
    {
        lock (Gate)
        {
            Children.Add(pid);
            File.AppendAllText(PidsFile, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        }
    }

    public static void Unregister(int pid)
    {
        lock (Gate)
        {
            Children.Remove(pid);
        }
    }

    private static void CleanUp()
    {
        int[] pids;
        lock (Gate)
        {
            pids = [.. Children];
        }
        foreach (var pid in pids)
        {
            KillHard(pid);
        }
        TryDelete(Folder);
    }

    private static void SweepAbandonedRuns()
    {
        foreach (var run in Directory.GetDirectories(BaseFolder, "run-*"))
        {
            var ownerFile = Path.Combine(run, "owner.pid");
            if (File.Exists(ownerFile) && int.TryParse(File.ReadAllText(ownerFile), out var owner) && IsAlive(owner))
            {
                continue;
            }
            var pidsFile = Path.Combine(run, "children.pids");
            if (File.Exists(pidsFile))
            {
                foreach (var line in File.ReadAllLines(pidsFile))
                {
                    if (int.TryParse(line, out var pid))
                    {
                        KillHard(pid);
                    }
                }
            }
            TryDelete(run);
        }
    }

    public static bool IsAlive(int pid) => Kill(pid, 0) == 0;

    /// <summary>SIGKILL, for processes that must die now.</summary>
    public static void KillHard(int pid) => _ = Kill(pid, 9);

    /// <summary>SIGTERM: a graceful stop, as Ctrl-C or <c>docker stop</c> would ask.</summary>
    public static void Terminate(int pid) => _ = Kill(pid, 15);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    // A short command that has not finished by then is stopped and fails its test: a stalled
    // server must not hang the whole run (redis-cli --cluster create, for one, waits without end
    // for nodes that do not answer).
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(2);

    /// <summary>Runs a short command to completion and fails with its output when it fails.</summary>
    public static Task<string> RunAsync(string file, params string[] args) => RunAsync(CommandLimit, file, args);

    /// <summary>As <see cref="RunAsync(string, string[])"/>, stopped and failed past <paramref name="limit"/>.</summary>
    public static async Task<string> RunAsync(TimeSpan limit, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using (var overdue = new CancellationTokenSource(limit))
        {
            try
            {
                await p.WaitForExitAsync(overdue.Token);
            }
            catch (OperationCanceledException) when (overdue.IsCancellationRequested)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(); // gone, not dying, when the test hears of it
                throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {limit}: {await stdout}{await stderr}");
            }
        }
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await stdout}{await stderr}");
        }
        return await stdout;
    }
}
