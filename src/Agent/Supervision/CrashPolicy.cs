using System.Globalization;
using ZlhGrind.Agent.Crashes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// Restart backoff and giving up (DESIGN §5): 30 s → 60 s → 120 s → 120 s…, the counter resets after a
/// run of at least <see cref="SupervisionOptions.StableUptime"/>, the Nth consecutive short-lived crash
/// means Error, and <c>missing_dependency</c> means Error at once. Not thread-safe: the supervisor
/// calls it under its own lock.
/// </summary>
internal sealed class CrashPolicy(SupervisionOptions options, TimeProvider time)
{
    private readonly IReadOnlyList<TimeSpan> _backoff = options.EffectiveBackoff;

    public int ConsecutiveCrashes { get; private set; }

    /// <summary>Decides what follows a crash of a run that lasted <paramref name="uptime"/>.</summary>
    public CrashDecision OnCrash(TimeSpan uptime, CrashClassification classification)
    {
        if (uptime >= options.StableUptime)
        {
            ConsecutiveCrashes = 0;
        }

        ConsecutiveCrashes++;
        if (classification == CrashClassification.MissingDependency)
        {
            return new CrashDecision(ConsecutiveCrashes, null, null, GaveUp: true,
                "missing_dependency: restarting cannot fix a missing library, jar or binary");
        }

        if (ConsecutiveCrashes >= options.MaxConsecutiveCrashes)
        {
            return new CrashDecision(ConsecutiveCrashes, null, null, GaveUp: true,
                $"crashed {ConsecutiveCrashes.ToString(CultureInfo.InvariantCulture)} times in a row, each within {options.StableUptime.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s of starting");
        }

        var delay = _backoff[Math.Min(ConsecutiveCrashes, _backoff.Count) - 1];
        return new CrashDecision(ConsecutiveCrashes, delay, time.GetUtcNow() + delay, GaveUp: false,
            $"{CrashClassifier.WireName(classification)}; restart in {delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
    }

    /// <summary>A user start clears the history: Error stays only until the user starts the server again.</summary>
    public void Reset() => ConsecutiveCrashes = 0;

    /// <summary>Restores the counter a previous agent persisted.</summary>
    public void Restore(int consecutiveCrashes) => ConsecutiveCrashes = Math.Max(0, consecutiveCrashes);
}
