namespace ZlhGrind.Agent.Processes;

/// <summary>
/// The one sampler of a workload's CPU and memory: the whole process tree under its pid (a server's workers, the real
/// server under a wrapper shell), read from /proc once per sample. The usage reporter takes a sample on every tick and
/// the heartbeat reports the latest one while it is fresh, so the status and the usage points show the same figures and
/// a heartbeat reads /proc only when nothing sampled lately (a dev container has no usage reporter).
/// </summary>
internal sealed class UsageSampler(TimeProvider time, ProcessTreeUsage? tree = null)
{
    private readonly ProcessTreeUsage _tree = tree ?? new ProcessTreeUsage();
    private readonly Lock _gate = new();
    private UsageSample? _previous;
    private UsageSample? _latest;

    /// <summary>The latest sample, or null before the first.</summary>
    public UsageSample? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>Measures the tree under <paramref name="pid"/> now (zeros when there is none, or it is gone).</summary>
    public UsageSample Take(int? pid)
    {
        var (cpu, rss) = pid is { } id ? _tree.Measure(id) : (TimeSpan.Zero, 0L);
        var sample = new UsageSample(time.GetUtcNow(), pid, cpu, rss);
        lock (_gate)
        {
            (_previous, _latest) = (_latest, sample);
        }

        return sample;
    }

    /// <summary>
    /// CPU (percent of one core between the last two samples) and resident bytes of the latest sample of
    /// <paramref name="pid"/>; a sample is taken first when the latest is older than <paramref name="maxAge"/> or of another process.
    /// </summary>
    public (double CpuPercent, long RssBytes) Current(int? pid, TimeSpan maxAge)
    {
        if (pid is null)
        {
            return (0, 0);
        }

        UsageSample? previous;
        UsageSample? latest;
        lock (_gate)
        {
            (previous, latest) = (_previous, _latest);
        }

        if (latest is null || latest.Pid != pid || time.GetUtcNow() - latest.At > maxAge)
        {
            Take(pid);
            lock (_gate)
            {
                (previous, latest) = (_previous, _latest);
            }
        }

        return (UsageSample.CpuPercent(previous, latest!), latest!.RssBytes);
    }
}

/// <summary>One measurement of a process tree: when, whose, CPU time used so far and resident bytes now.</summary>
internal sealed record UsageSample(DateTimeOffset At, int? Pid, TimeSpan Cpu, long RssBytes)
{
    /// <summary>Percent of one core used between two samples of one process (like top), rounded to 0.1; 0 when they cannot be compared.</summary>
    public static double CpuPercent(UsageSample? previous, UsageSample current)
    {
        var wall = previous is null ? TimeSpan.Zero : current.At - previous.At;
        return previous is not null && previous.Pid == current.Pid && current.Pid is not null && wall > TimeSpan.Zero
            ? Math.Round(Math.Max(0, (current.Cpu - previous.Cpu) / wall * 100), 1)
            : 0;
    }
}
