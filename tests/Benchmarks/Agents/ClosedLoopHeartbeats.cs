using System.Diagnostics;

namespace ZlhGrind.Benchmarks.Agents;

/// <summary>Closed-loop load: a fixed number of callers, each sending its next heartbeat as soon as the last one returns.</summary>
internal static class ClosedLoopHeartbeats
{
    /// <summary>Completed heartbeats per second over <paramref name="duration"/>.</summary>
    public static async Task<double> RateAsync(IReadOnlyList<SimulatedAgent> agents, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        long completed = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var callers = Enumerable.Range(0, concurrency).Select(async worker =>
        {
            // Each caller walks its own stride of agents, so calls spread over all grains.
            for (var i = worker; Stopwatch.GetTimestamp() < end; i += concurrency)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await agents[i % agents.Count].HeartbeatAsync();
                Interlocked.Increment(ref completed);
            }
        });
        await Task.WhenAll(callers);
        return Interlocked.Read(ref completed) / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
