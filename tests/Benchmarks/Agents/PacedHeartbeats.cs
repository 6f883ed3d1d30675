using System.Diagnostics;
using ZlhGrind.Benchmarks.Measuring;

namespace ZlhGrind.Benchmarks.Agents;

/// <summary>
/// Open-loop load: every agent heartbeats once per period, the agents evenly spread over the period, and
/// no heartbeat waits for an earlier one. The pacing runs on a thread of its own so thread-pool queues do not
/// delay sends. Latency is reported from the send and, separately, from when the heartbeat was due, so a
/// generator that falls behind shows up (no coordinated omission) and its own share is visible.
/// </summary>
internal static class PacedHeartbeats
{
    /// <summary>Round trip from the send, from when it was due, and how late the generator sent.</summary>
    public sealed record Result(LatencyRecorder Latency, LatencyRecorder FromDue, LatencyRecorder SendLag);

    public static async Task<Result> RunAsync(
        IReadOnlyList<SimulatedAgent> agents, TimeSpan period, TimeSpan duration, CancellationToken cancellationToken)
    {
        var result = new Result(new LatencyRecorder(), new LatencyRecorder(), new LatencyRecorder());
        var pending = new PendingCalls();
        await Task.Factory.StartNew(
            () => Pace(agents, period, duration, result, pending, cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        await pending.DrainAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return result;
    }

    private static void Pace(IReadOnlyList<SimulatedAgent> agents, TimeSpan period, TimeSpan duration, Result result, PendingCalls pending, CancellationToken cancellationToken)
    {
        var count = agents.Count;
        var total = (long)(count * (duration / period));
        var ticksPerBeat = period.TotalSeconds * Stopwatch.Frequency / count;
        var start = Stopwatch.GetTimestamp();
        long sent = 0;
        while (sent < total)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Beat k is due at start + k × spacing, so every beat whose time has come goes now (k = 0 at once).
            var due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - start) / ticksPerBeat) + 1);
            for (; sent < due; sent++)
            {
                var scheduledAt = start + (long)(sent * ticksPerBeat);
                result.SendLag.Record(scheduledAt);
                pending.Track(BeatAsync(agents[(int)(sent % count)], scheduledAt, result));
            }

            Thread.Sleep(1);
        }
    }

    private static async Task BeatAsync(SimulatedAgent agent, long scheduledAt, Result result)
    {
        var sentAt = Stopwatch.GetTimestamp();
        try
        {
            await agent.HeartbeatAsync();
            result.Latency.Record(sentAt);
            result.FromDue.Record(scheduledAt);
        }
        catch (Exception)
        {
            // A failed heartbeat is counted, not retried: the next one is due in one period anyway.
            result.Latency.Fail();
        }
    }
}
