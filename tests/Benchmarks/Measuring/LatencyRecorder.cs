using System.Diagnostics;

namespace ZlhGrind.Benchmarks.Measuring;

/// <summary>Collects call latencies (thread-safe) and answers percentiles in milliseconds.</summary>
internal sealed class LatencyRecorder
{
    private readonly Lock _gate = new();
    private readonly List<long> _ticks = [];
    private long _failures;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _ticks.Count;
            }
        }
    }

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Records the time from <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp) to now.</summary>
    public void Record(long startedAt)
    {
        RecordElapsed(Stopwatch.GetTimestamp() - startedAt);
    }

    /// <summary>Records a latency measured elsewhere (a load-generator child), in <see cref="Stopwatch"/> ticks.</summary>
    public void RecordElapsed(long elapsedTicks)
    {
        lock (_gate)
        {
            _ticks.Add(elapsedTicks);
        }
    }

    /// <summary>Every latency recorded so far, in <see cref="Stopwatch"/> ticks.</summary>
    public long[] ElapsedTicks()
    {
        lock (_gate)
        {
            return [.. _ticks];
        }
    }

    public void Fail() => Interlocked.Increment(ref _failures);

    /// <summary>The nearest-rank percentile in milliseconds; <paramref name="percentile"/> in 0–100.</summary>
    public double PercentileMs(double percentile)
    {
        long[] sorted;
        lock (_gate)
        {
            sorted = [.. _ticks];
        }

        if (sorted.Length == 0)
        {
            throw new InvalidOperationException("no call completed, so there is no latency to report");
        }

        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }
}
