using System.Globalization;
using System.Text.RegularExpressions;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis Cluster for the tests: six <c>redis-server</c> processes on free loopback ports (three
/// primaries, each with one replica, made by <c>redis-cli --cluster create</c>), in folders of this
/// run, without persistence. The node timeout is short (<see cref="NodeTimeoutMs"/>), so a killed
/// primary's replica takes over within a couple of seconds. Tests can find which node owns a
/// user's slot, kill it, and move a slot to another primary.
/// </summary>
public sealed partial class RedisCluster : IAsyncDisposable
{
    /// <summary>How long a node may be silent before the others fail it over (ms).</summary>
    public const int NodeTimeoutMs = 1000;

    private const int Primaries = 3;
    private static readonly Lazy<Task<RedisCluster>> SharedCluster = new(StartNewAsync);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly List<Node> _nodes = [];

    private RedisCluster()
    {
    }

    /// <summary>Every node, as StackExchange.Redis takes it: <c>127.0.0.1:p1,127.0.0.1:p2,…</c>.</summary>
    public string ConnectionString => string.Join(',', _nodes.Select(n => n.EndPoint));

    /// <summary>The running nodes' process ids (for CPU accounting in benchmarks and diagnostics).</summary>
    public IReadOnlyList<int> Pids => [.. _nodes.Where(n => n.IsRunning).Select(n => n.Process!.Pid)];

    /// <summary>The run's cluster, started on first use; for tests that neither kill nor reshard it.</summary>
    public static Task<RedisCluster> SharedAsync() => SharedCluster.Value;

    /// <summary>A cluster of the test's own (for tests that kill nodes or move slots).</summary>
    public static async Task<RedisCluster> StartNewAsync()
    {
        var cluster = new RedisCluster();
        try
        {
            for (var i = 0; i < Primaries * 2; i++)
            {
                cluster._nodes.Add(await Node.StartAsync());
            }
            string[] create = ["--cluster", "create", .. cluster._nodes.Select(n => n.EndPoint), "--cluster-replicas", "1", "--cluster-yes"];
            await TestRun.RunAsync("redis-cli", create);
            await cluster.WaitHealthyAsync(StartTimeout);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The hash slot of a key or channel name (hash tags honoured), as the cluster computes it.</summary>
    public async Task<int> SlotOfAsync(string key) =>
        int.Parse((await AnyLiveNode().CliAsync("CLUSTER", "KEYSLOT", key)).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The node serving <paramref name="slot"/> now, as a live node sees the cluster.</summary>
    public async Task<Node> PrimaryOfAsync(int slot)
    {
        foreach (var line in await ClusterNodesAsync(AnyLiveNode()))
        {
            if (line.IsPrimary && !line.Failed && line.Slots.Any(r => r.From <= slot && slot <= r.To))
            {
                return NodeAt(line.Port);
            }
        }
        throw new InvalidOperationException($"no primary serves slot {slot}");
    }

    /// <summary>A primary other than <paramref name="node"/>.</summary>
    public async Task<Node> OtherPrimaryThanAsync(Node node)
    {
        foreach (var line in await ClusterNodesAsync(AnyLiveNode()))
        {
            if (line.IsPrimary && !line.Failed && line.Port != node.Port && line.Slots.Count > 0 && NodeAt(line.Port).IsRunning)
            {
                return NodeAt(line.Port);
            }
        }
        throw new InvalidOperationException("no other primary");
    }

    /// <summary>
    /// Moves one slot, with its keys, from its primary to <paramref name="target"/>, the way
    /// <c>redis-cli --cluster reshard</c> does it: IMPORTING/MIGRATING, MIGRATE the keys, then
    /// SETSLOT NODE on every primary.
    /// </summary>
    public async Task MoveSlotAsync(int slot, Node target)
    {
        var source = await PrimaryOfAsync(slot);
        var sourceId = (await source.CliAsync("CLUSTER", "MYID")).Trim();
        var targetId = (await target.CliAsync("CLUSTER", "MYID")).Trim();
        var slotText = slot.ToString(CultureInfo.InvariantCulture);
        await target.CliAsync("CLUSTER", "SETSLOT", slotText, "IMPORTING", sourceId);
        await source.CliAsync("CLUSTER", "SETSLOT", slotText, "MIGRATING", targetId);
        while (true)
        {
            var keys = (await source.CliAsync("CLUSTER", "GETKEYSINSLOT", slotText, "100"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length == 0)
            {
                break;
            }
            await source.CliAsync(["MIGRATE", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "KEYS", .. keys]);
        }
        await target.CliAsync("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        await source.CliAsync("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        foreach (var node in _nodes.Where(n => n.IsRunning && n != source && n != target))
        {
            // Replicas refuse SETSLOT; they learn it from their primary.
            try
            {
                await node.CliAsync("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>
    /// Waits until every running node reports <c>cluster_state:ok</c> and agrees that a live
    /// primary serves every slot (after a failover: the replica promoted).
    /// </summary>
    public async Task WaitHealthyAsync(TimeSpan within)
    {
        string? why = null;
        await Eventually.TrueAsync(async () => (why = await UnhealthyBecauseAsync()) is null, "the cluster healthy", within, () => $"({why})");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    private async Task<string?> UnhealthyBecauseAsync()
    {
        foreach (var node in _nodes.Where(n => n.IsRunning))
        {
            string info;
            IReadOnlyList<NodeLine> lines;
            try
            {
                info = await node.CliAsync("CLUSTER", "INFO");
                lines = await ClusterNodesAsync(node);
            }
            catch (InvalidOperationException e)
            {
                return $"{node.EndPoint}: {e.Message}";
            }
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return $"{node.EndPoint} says cluster_state is not ok";
            }
            var served = lines.Where(l => l.IsPrimary && !l.Failed && NodeAt(l.Port).IsRunning).Sum(l => l.Slots.Sum(r => r.To - r.From + 1));
            if (served != 16384)
            {
                return $"{node.EndPoint} sees {served} of 16384 slots on live primaries";
            }
        }
        return null;
    }

    private Node AnyLiveNode() => _nodes.First(n => n.IsRunning);

    private Node NodeAt(int port) => _nodes.Single(n => n.Port == port);

    private static async Task<IReadOnlyList<NodeLine>> ClusterNodesAsync(Node node)
    {
        var text = await node.CliAsync("CLUSTER", "NODES");
        var lines = new List<NodeLine>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // <id> <ip:port@cport> <flags> <primary> <ping> <pong> <epoch> <link> <slot ranges…>
            var parts = line.Split(' ');
            var address = parts[1];
            var port = int.Parse(address[(address.LastIndexOf(':') + 1)..address.IndexOf('@')], CultureInfo.InvariantCulture);
            var flags = parts[2].Split(',');
            var slots = new List<(int From, int To)>();
            foreach (var range in parts.Skip(8).Where(p => !p.StartsWith('[')))
            {
                var dash = range.IndexOf('-');
                slots.Add(dash < 0
                    ? (int.Parse(range, CultureInfo.InvariantCulture), int.Parse(range, CultureInfo.InvariantCulture))
                    : (int.Parse(range[..dash], CultureInfo.InvariantCulture), int.Parse(range[(dash + 1)..], CultureInfo.InvariantCulture)));
            }
            lines.Add(new NodeLine(port, flags.Contains("master"), flags.Contains("fail") || flags.Contains("fail?"), slots));
        }
        return lines;
    }

    private sealed record NodeLine(int Port, bool IsPrimary, bool Failed, IReadOnlyList<(int From, int To)> Slots);

    /// <summary>One <c>redis-server</c> of the cluster.</summary>
    public sealed class Node : IAsyncDisposable
    {
        private Node(int port, ChildProcess process)
        {
            Port = port;
            Process = process;
        }

        public int Port { get; }

        public string EndPoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

        public ChildProcess? Process { get; private set; }

        public bool IsRunning => Process is { HasExited: false };

        internal static async Task<Node> StartAsync()
        {
            var port = FreePort.Next();
            var folder = TestRun.NewFolder("redis-cluster");
            string[] args =
            [
                "--port", port.ToString(CultureInfo.InvariantCulture),
                // The cluster bus port is port + 10000 by default, which may not exist for a free port.
                "--cluster-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--dir", folder,
                "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(folder, "nodes.conf"),
                "--cluster-node-timeout", NodeTimeoutMs.ToString(CultureInfo.InvariantCulture),
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--logfile", "",
            ];
            var process = ChildProcess.Start("redis-cluster-node", "redis-server", args);
            try
            {
                await process.WaitForOutputAsync(ReadyLine(), StartTimeout);
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
            return new Node(port, process);
        }

        /// <summary>One command through <c>redis-cli</c>; its raw answer (an error answer fails).</summary>
        public async Task<string> CliAsync(params string[] command)
        {
            var answer = await TestRun.RunAsync("redis-cli", ["-e", "-p", Port.ToString(CultureInfo.InvariantCulture), .. command]);
            if (answer.StartsWith("ERR", StringComparison.Ordinal) || answer.StartsWith("MOVED", StringComparison.Ordinal)
                || answer.StartsWith("(error)", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{EndPoint} {string.Join(' ', command)}: {answer}");
            }
            return answer;
        }

        /// <summary>SIGKILL, as in a crash: the cluster fails this node over to its replica.</summary>
        public async Task KillAsync()
        {
            if (Process is { } process)
            {
                await process.KillAsync();
                await process.DisposeAsync();
                Process = null;
            }
        }

        public async ValueTask DisposeAsync() => await KillAsync();
    }

    [GeneratedRegex("Ready to accept connections")]
    private static partial Regex ReadyLine();
}
