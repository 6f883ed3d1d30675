using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>
/// Usage points: 1-minute points for 24 h and 5-second points while someone watches. The 1-minute points are stored
/// (state <c>usage</c>) in batches every <c>Usage:PersistInterval</c> and at deactivation, so they survive a silo restart;
/// the 5-second points live in the activation's memory only.
/// </summary>
internal sealed partial class GameServerGrain
{
    private static readonly TimeSpan MinuteRetention = TimeSpan.FromHours(24);

    private UsageRing? _minute;
    private UsageRing? _fast;
    private DateTimeOffset? _watchedUntil;

    /// <summary>When the stored points were last written (the activation's start before the first write).</summary>
    private DateTimeOffset? _usageWrittenAt;

    /// <summary>True while the ring holds points the store does not.</summary>
    private bool _usageDirty;

    private UsageRing MinuteRing => _minute ??= LoadMinuteRing();

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
        _usageDirty |= Keep(MinuteRing, report.Minute, latest);
        Keep(FastRing, report.Fast, latest);
        var now = Time.GetUtcNow();
        _usageWrittenAt ??= now;
        return _usageDirty && now - _usageWrittenAt >= usage.Value.PersistInterval
            ? WriteUsageThenAckAsync()
            : Task.FromResult(new UsageAck(WatchedUntil));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A deleted server's points were cleared with its state; only a live one's unwritten batch is kept.
        if (_usageDirty && Record.Spec is not null)
        {
            await WriteUsageAsync();
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private async Task<UsageAck> WriteUsageThenAckAsync()
    {
        await WriteUsageAsync();
        return new UsageAck(WatchedUntil);
    }

    private async Task WriteUsageAsync()
    {
        usageHistory.State.Minute = [.. MinuteRing.Since(DateTimeOffset.MinValue)];
        await usageHistory.WriteStateAsync();
        _usageDirty = false;
        _usageWrittenAt = Time.GetUtcNow();
    }

    private async Task ClearUsageAsync()
    {
        await usageHistory.ClearStateAsync();
        usageHistory.State = new UsageHistory();
        _minute = null;
        _fast = null;
        _usageDirty = false;
    }

    /// <summary>The stored points, bounded again (the setting may have shrunk since they were written).</summary>
    private UsageRing LoadMinuteRing()
    {
        var ring = new UsageRing(usage.Value.MinutePoints);
        foreach (var point in usageHistory.State.Minute)
        {
            ring.Add(point);
        }

        return ring;
    }

    protected override DateTimeOffset? UsageWatchedUntil => WatchedUntil;

    private DateTimeOffset? WatchedUntil => _watchedUntil is { } until && until > Time.GetUtcNow() ? until : null;

    private LimitsStatus Limits() =>
        new(Record.Spec?.MemoryMb ?? 0, Record.Spec?.CpuPercent, Presence.LastHeartbeat?.Game?.Limits is { } enforcement && Enum.IsDefined(enforcement) ? enforcement.WireName() : null);

    /// <summary>True when at least one point was kept.</summary>
    private static bool Keep(UsageRing ring, IReadOnlyList<UsagePoint> points, DateTimeOffset latest)
    {
        var kept = false;
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].At <= latest)
            {
                kept |= ring.Add(points[i]);
            }
        }

        return kept;
    }
}
