using System.Diagnostics;
using ZlhGrind.Benchmarks.Measuring;

namespace ZlhGrind.Benchmarks.Agents;

/// <summary>
/// Open-loop load: every agent heartbeats once per period, the agents evenly spread over the period. Latency
/// is taken from the moment a heartbeat was due, not when it was sent, so a load generator that falls
/// behind shows up in the figures instead of hiding it (no coordinated omission).
/// </summary>
internal static class PacedHeartbeats
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(2);

    /// <summary>Latency per heartbeat, and how late the generator itself sent them (its own share of the latency).</summary>
    public sealed record Result(LatencyRecorder Latency, LatencyRecorder SendLag);

    public static async Task<Result> RunAsync(
        IReadOnlyList<SimulatedAgent> agents, TimeSpan period, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var lag = new LatencyRecorder();
        var count = agents.Count;
        var total = (long)(count * (duration / period));
        var ticksPerBeat = period.TotalSeconds * Stopwatch.Frequency / count;
        var pending = new PendingCalls();
        var start = Stopwatch.GetTimestamp();
        long sent = 0;
        using var timer = new PeriodicTimer(Tick);
        while (sent < total && await timer.WaitForNextTickAsync(cancellationToken))
        {
            var due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - start) / ticksPerBeat));
            for (; sent < due; sent++)
            {
                var scheduledAt = start + (long)(sent * ticksPerBeat);
                lag.Record(scheduledAt);
                pending.Track(BeatAsync(agents[(int)(sent % count)], scheduledAt, recorder));
            }
        }

        await pending.DrainAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return new Result(recorder, lag);
    }

    private static async Task BeatAsync(SimulatedAgent agent, long scheduledAt, LatencyRecorder recorder)
    {
        try
        {
            await agent.HeartbeatAsync();
            recorder.Record(scheduledAt);
        }
        catch (Exception)
        {
            // A failed heartbeat is counted, not retried: the next one is due in one period anyway.
            recorder.Fail();
        }
    }
}
