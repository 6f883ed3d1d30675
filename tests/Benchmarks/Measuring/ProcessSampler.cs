using System.Diagnostics;
using System.Globalization;

namespace ZlhGrind.Benchmarks.Measuring;

/// <summary>
/// Reads another process's CPU time and resident memory from /proc, the way `top` does, so the silo's
/// cost is measured in its own process and not mixed with the load generator's.
/// </summary>
internal sealed class ProcessSampler(int pid)
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux build .NET supports.
    private const double ClockTicksPerSecond = 100;

    public int Pid { get; } = pid;

    /// <summary>User plus system CPU time the process has used so far.</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");

        // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((utime + stime) / ClockTicksPerSecond);
    }

    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kib * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{Pid}/status has no VmRSS line (has the process exited?)");
    }

    /// <summary>Starts a CPU measurement window; <see cref="CpuWindow.MachinePercent"/> ends it.</summary>
    public CpuWindow StartCpuWindow() => new(this, CpuTime(), Stopwatch.GetTimestamp());

    internal readonly record struct CpuWindow(ProcessSampler Sampler, TimeSpan CpuAtStart, long StartedAt)
    {
        /// <summary>CPU used since the start as a share of the whole machine (all cores), in percent.</summary>
        public double MachinePercent()
        {
            var used = Sampler.CpuTime() - CpuAtStart;
            var wall = Stopwatch.GetElapsedTime(StartedAt);
            return used.TotalSeconds / (wall.TotalSeconds * Environment.ProcessorCount) * 100;
        }
    }
}
