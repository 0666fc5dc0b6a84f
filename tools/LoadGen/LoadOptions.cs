using System.Globalization;

namespace Chat.LoadGen;

/// <summary>What to run, from the command line (see docs/loadgen.md).</summary>
public sealed record LoadOptions
{
    /// <summary>Edge (or gateway) addresses; users are spread over them.</summary>
    public IReadOnlyList<Uri> Targets { get; init; } = [new Uri("http://127.0.0.1:5001")];
    public int Connections { get; init; } = 100;
    public double Rate { get; init; } = 500;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Seconds of messages sent at the rate before the timed ones: counted for loss, not timed.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long to wait between the last connection opening and the first message: what a new
    /// connection starts on the server (its catch-up sync, subscriptions) is not the load measured.
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);
    public string Pattern { get; init; } = "pairs";
    public bool Idle { get; init; }

    /// <summary>How many accounts the idle connections belong to (not for a relay: one name per connection there).</summary>
    public int IdleUsers { get; init; } = 1000;

    /// <summary>How long idle connections are held open after the last one connected (settling, or time to inspect the server).</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(5);
    public IReadOnlyList<int> EdgePids { get; init; } = [];
    public string Prefix { get; init; } = "lg";

    /// <summary>A relay without accounts (the relay-only Edge, the Node.js peer): users are named in <c>?user=</c>.</summary>
    public bool Relay { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--targets" => options with { Targets = [.. Next().Split(',').Select(u => new Uri(u))] },
                "--connections" => options with { Connections = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--rate" => options with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--settle" => options with { Settle = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--drain" => options with { Drain = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--pattern" => options with { Pattern = CheckedPattern(Next()) },
                "--idle" => options with { Idle = true },
                "--idle-users" => options with { IdleUsers = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--relay" => options with { Relay = true },
                "--hold" => options with { Hold = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--edge-pids" => options with { EdgePids = [.. Next().Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture))] },
                "--prefix" => options with { Prefix = Next() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }

    private static string CheckedPattern(string value) =>
        value is "pairs" or "fanin" or "spread" ? value : throw new ArgumentException("--pattern is pairs, fanin or spread");
}
