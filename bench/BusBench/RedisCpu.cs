using System.Globalization;

namespace Chat.BusBench;

/// <summary>CPU time (user + system) a process has used so far, from <c>/proc/PID/stat</c>, in microseconds.</summary>
public static class RedisCpu
{
    // USER_HZ: the unit of utime and stime; 100 on every Linux this runs on.
    private const long TicksPerSecond = 100;

    public static long MicrosecondsOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks * 1_000_000 / TicksPerSecond;
    }
}
