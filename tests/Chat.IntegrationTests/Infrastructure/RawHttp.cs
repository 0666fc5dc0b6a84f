using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Chat.IntegrationTests.Infrastructure;

/// <summary>
/// One HTTP request written byte for byte over TCP: HttpClient (System.Uri) would tidy the paths
/// that the door tests need sent as they are (dot segments, percent-encoding), and cannot speak
/// HTTP/1.0. The connection closes after the answer, which is read to its end (a 101's head only).
/// </summary>
public static class RawHttp
{
    public sealed record Answer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>Sends <c>METHOD TARGET VERSION</c>, the headers, and the body (as JSON when given).</summary>
    public static async Task<Answer> SendAsync(Uri server, string method, string target, string? jsonBody = null,
        string version = "HTTP/1.1", IEnumerable<string>? headers = null, bool omitHost = false)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stream = tcp.GetStream();
        var body = jsonBody is null ? [] : Encoding.UTF8.GetBytes(jsonBody);
        var head = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{method} {target} {version}\r\n");
        if (!omitHost)
        {
            head.Append(CultureInfo.InvariantCulture, $"Host: {server.Authority}\r\n");
        }
        head.Append("Connection: close\r\n");
        foreach (var header in headers ?? [])
        {
            head.Append(header).Append("\r\n");
        }
        if (jsonBody is not null)
        {
            head.Append("Content-Type: application/json\r\n")
                .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
        }
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()).Concat(body).ToArray(), timeout.Token);

        return Parse(await ReadAnswerAsync(stream, timeout.Token));
    }

    /// <summary>To the end of the stream, or to the end of the head of a 101 (whose connection stays open).</summary>
    private static async Task<byte[]> ReadAnswerAsync(NetworkStream stream, CancellationToken cancel)
    {
        using var all = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancel)) > 0)
        {
            all.Write(buffer, 0, read);
            var sofar = Encoding.ASCII.GetString(all.GetBuffer(), 0, (int)all.Length);
            if (sofar.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) && sofar.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                break;
            }
        }
        return all.ToArray();
    }

    private static Answer Parse(byte[] response)
    {
        var split = response.AsSpan().IndexOf("\r\n\r\n"u8);
        if (split < 0)
        {
            throw new InvalidOperationException($"not an HTTP answer: {Encoding.UTF8.GetString(response)}");
        }
        var lines = Encoding.ASCII.GetString(response, 0, split).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var body = response[(split + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }
        return new Answer(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        using var body = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = at + chunked.AsSpan(at).IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.ASCII.GetString(chunked, at, lineEnd - at).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return body.ToArray();
            }
            body.Write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
