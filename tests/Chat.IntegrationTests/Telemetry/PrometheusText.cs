using System.Globalization;
using System.Net;
using Chat.IntegrationTests.Infrastructure;

namespace Chat.IntegrationTests.Telemetry;

/// <summary>
/// One scrape of a service's real <c>/metrics</c>, parsed from the Prometheus text format
/// (<c>name{label="value",…} value</c> lines; <c>#</c> lines are help and type).
/// </summary>
public sealed class PrometheusText
{
    private readonly List<Sample> _samples;

    private PrometheusText(string text, List<Sample> samples)
    {
        Text = text;
        _samples = samples;
    }

    public string Text { get; }

    /// <summary>
    /// The sum of every sample named <paramref name="name"/> whose labels include these (others,
    /// such as the scope's name, may be there too); null when there is none.
    /// </summary>
    public double? Value(string name, params (string Label, string Value)[] labels)
    {
        var matching = _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).ToList();
        return matching.Count == 0 ? null : matching.Sum(s => s.Value);
    }

    /// <summary>GETs <c>/metrics</c> of <paramref name="service"/>; over h2c for the gRPC services, which speak nothing else on their port.</summary>
    public static async Task<PrometheusText> ScrapeAsync(ServiceProcess service, bool http2 = false)
    {
        using var http = new HttpClient { BaseAddress = service.Address };
        if (http2)
        {
            http.DefaultRequestVersion = HttpVersion.Version20;
            http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/metrics answered {(int)response.StatusCode}: {text}");
        return Parse(text);
    }

    /// <summary>
    /// Scrapes until <paramref name="name"/> with these labels reads <paramref name="expected"/>
    /// (counters move as the work they count finishes, a moment after the client saw its answer).
    /// </summary>
    public static async Task<PrometheusText> WaitForAsync(ServiceProcess service, double expected, string name, (string, string)[] labels, bool http2 = false)
    {
        var sample = $"{name}{{{string.Join(",", labels.Select(l => $"{l.Item1}=\"{l.Item2}\""))}}}";
        PrometheusText? last = null;
        return await Eventually.ValueAsync(async () =>
        {
            last = await ScrapeAsync(service, http2);
            return (last.Value(name, labels) == expected, last);
        }, $"{sample} at {expected}", TimeSpan.FromSeconds(15),
            () => $"(it is {last?.Value(name, labels)?.ToString(CultureInfo.InvariantCulture) ?? "absent"}):\n{last?.Text}");
    }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            samples.Add(ParseSample(line));
        }
        return new PrometheusText(text, samples);
    }

    private static Sample ParseSample(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var nameEnd = line.IndexOfAny(['{', ' ']);
        var name = line[..nameEnd];
        var i = nameEnd;
        if (line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var equals = line.IndexOf('=', i);
                var label = line[i..equals].Trim();
                i = equals + 2; // past ="
                var value = new System.Text.StringBuilder();
                for (; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] == 'n' ? '\n' : line[i]);
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }
                labels[label] = value.ToString();
                i++; // past the closing quote
                if (line[i] == ',')
                {
                    i++;
                }
            }
            i++; // past }
        }
        var fields = line[i..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var number = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            var v => double.Parse(v, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, number);
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}
