using System.Globalization;

namespace Chat.ServiceDefaults.Discovery;

/// <summary>Durations the way Consul reads them: Go's syntax, e.g. "10s", "250ms".</summary>
public static class ConsulDuration
{
    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 1000 == 0
            ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
}
