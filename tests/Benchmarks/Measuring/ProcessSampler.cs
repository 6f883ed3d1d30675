using System.Diagnostics;
using System.Globalization;

namespace ZlhGrind.Benchmarks.Measuring;

/// <summary>
/// Reads another process's CPU time and resident memory from /proc, the way `top` does, so the silo's
/// cost is measured in its own process and not mixed with the load generator's. With <paramref name="withWorkers"/>
/// the process's direct children count too (nginx's master does no proxying; its workers do).
/// </summary>
internal sealed class ProcessSampler(int pid, bool withWorkers = false)
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux build .NET supports.
    private const double ClockTicksPerSecond = 100;

    public int Pid { get; } = pid;

    /// <summary>User plus system CPU time the process (and its workers) has used so far.</summary>
    public TimeSpan CpuTime() => TimeSpan.FromSeconds(Measured().Sum(OwnCpuTicks) / ClockTicksPerSecond);

    /// <summary>Resident set size in bytes (VmRSS; summed over the workers).</summary>
    public long RssBytes() => Measured().Sum(OwnRssBytes);

    private IEnumerable<int> Measured()
    {
        yield return Pid;
        if (!withWorkers)
        {
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var other) && other != Pid
                && StatFields(other) is { } fields && fields[1] == Pid.ToString(CultureInfo.InvariantCulture))
            {
                yield return other;
            }
        }
    }

    // The fields of /proc/<pid>/stat after the command name (which may hold spaces): [0] is the state, [1] the parent.
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static long OwnCpuTicks(int pid) =>
        StatFields(pid) is { } fields ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture) : 0;

    private static long OwnRssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kib * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS line (has the process exited?)");
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
