using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Usage;

/// <summary>
/// Turns samples into the two series the grain keeps: a point every <c>MinuteInterval</c>, and one every
/// <c>FastInterval</c> while watched. CPU is the share of one core used since the series' previous sample (so a minute
/// point is the minute's average); memory is the resident set now; disk is measured at most every <c>DiskInterval</c>.
/// Points wait here (bounded, oldest dropped) until the grain took them.
/// </summary>
internal sealed class UsageCollector(UsageOptions options, Func<(int? Pid, TimeSpan Cpu, long RssBytes)> measure, Func<long> measureDisk)
{
    private readonly Queue<UsagePoint> _minute = new();
    private readonly Queue<UsagePoint> _fast = new();
    private Baseline? _minuteBase;
    private Baseline? _fastBase;
    private DateTimeOffset? _diskAt;
    private long _disk;

    /// <summary>Samples what is due at <paramref name="now"/>; true when a new point waits to be reported.</summary>
    public bool Tick(DateTimeOffset now, bool watched)
    {
        var minuteDue = _minuteBase is null || now - _minuteBase.At >= options.MinuteInterval;
        var fastDue = watched && (_fastBase is null || now - _fastBase.At >= options.FastInterval);
        if (!watched)
        {
            // A later watch starts a fresh baseline: its first CPU figure covers its own interval only.
            _fastBase = null;
        }

        if (!minuteDue && !fastDue)
        {
            return false;
        }

        var (pid, cpu, rss) = measure();
        if (_diskAt is null || now - _diskAt >= options.DiskInterval)
        {
            _disk = measureDisk();
            _diskAt = now;
        }

        var sample = new Baseline(now, pid, cpu);
        var added = false;
        if (minuteDue)
        {
            added |= Add(_minute, _minuteBase, sample, rss);
            _minuteBase = sample;
        }

        if (fastDue)
        {
            added |= Add(_fast, _fastBase, sample, rss);
            _fastBase = sample;
        }

        return added;
    }

    /// <summary>What waits to be reported, or null when nothing does.</summary>
    public UsageReport? Pending() => _minute.Count == 0 && _fast.Count == 0 ? null : new UsageReport([.. _minute], [.. _fast]);

    /// <summary>The grain took <paramref name="report"/>: its points (and any older) leave the queues; newer ones stay.</summary>
    public void Reported(UsageReport report)
    {
        Forget(_minute, report.Minute);
        Forget(_fast, report.Fast);
    }

    private static void Forget(Queue<UsagePoint> queue, IReadOnlyList<UsagePoint> reported)
    {
        if (reported.Count == 0)
        {
            return;
        }

        var last = reported[^1].At;
        while (queue.Count > 0 && queue.Peek().At <= last)
        {
            queue.Dequeue();
        }
    }

    private bool Add(Queue<UsagePoint> queue, Baseline? previous, Baseline sample, long rss)
    {
        // The first sample of a series only sets its baseline: a CPU share needs an interval.
        if (previous is null)
        {
            return false;
        }

        var cpu = UsageSample.CpuPercent(new UsageSample(previous.At, previous.Pid, previous.Cpu, 0), new UsageSample(sample.At, sample.Pid, sample.Cpu, rss));
        if (queue.Count == options.MaxPendingPoints)
        {
            queue.Dequeue();
        }

        queue.Enqueue(new UsagePoint(sample.At, cpu, sample.Pid is null ? 0 : rss, _disk));
        return true;
    }

    private sealed record Baseline(DateTimeOffset At, int? Pid, TimeSpan Cpu);
}
