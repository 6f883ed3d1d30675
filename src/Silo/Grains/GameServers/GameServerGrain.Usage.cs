using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>
/// Usage points: 1-minute points for 24 h and 5-second points while someone watches, held in memory by the activation
/// (an agent's heartbeats keep it active; a silo restart starts the charts afresh, which costs no storage write a minute).
/// </summary>
internal sealed partial class GameServerGrain
{
    private static readonly TimeSpan MinuteRetention = TimeSpan.FromHours(24);

    private UsageRing? _minute;
    private UsageRing? _fast;
    private DateTimeOffset? _watchedUntil;

    private UsageRing MinuteRing => _minute ??= new UsageRing(usage.Value.MinutePoints);

    private UsageRing FastRing => _fast ??= new UsageRing(usage.Value.FastPoints);

    public Task<UsageSeries> GetUsageAsync(Actor actor, UsageResolution resolution)
    {
        RequireAccess(actor);
        if (!Enum.IsDefined(resolution))
        {
            throw new InvalidRequestException("resolution must be 1m or 5s.");
        }

        var now = Time.GetUtcNow();
        if (resolution == UsageResolution.Fast)
        {
            // Asking for 5-second points is watching: the agent hears it with its next heartbeat's answer.
            _watchedUntil = now + usage.Value.WatchDuration;
        }

        var points = resolution == UsageResolution.Fast ? FastRing.Since(DateTimeOffset.MinValue) : MinuteRing.Since(now - MinuteRetention);
        return Task.FromResult(new UsageSeries(resolution == UsageResolution.Fast ? "5s" : "1m", Limits(), points, WatchedUntil));
    }

    public Task<UsageAck> ReportUsageAsync(UsageReport report)
    {
        RequireExists();
        UsageInput.Check(report, usage.Value);

        // A point from beyond the allowed clock skew would pin the series (every later point would be "out of order").
        var latest = Time.GetUtcNow() + Options.MaxAgentClockSkew;
        Keep(MinuteRing, report.Minute, latest);
        Keep(FastRing, report.Fast, latest);
        return Task.FromResult(new UsageAck(WatchedUntil));
    }

    protected override DateTimeOffset? UsageWatchedUntil => WatchedUntil;

    private DateTimeOffset? WatchedUntil => _watchedUntil is { } until && until > Time.GetUtcNow() ? until : null;

    private LimitsStatus Limits() =>
        new(Record.Spec?.MemoryMb ?? 0, Record.Spec?.CpuPercent, Presence.LastHeartbeat?.Game?.Limits is { } enforcement && Enum.IsDefined(enforcement) ? enforcement.WireName() : null);

    private static void Keep(UsageRing ring, IReadOnlyList<UsagePoint> points, DateTimeOffset latest)
    {
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].At <= latest)
            {
                ring.Add(points[i]);
            }
        }
    }
}
