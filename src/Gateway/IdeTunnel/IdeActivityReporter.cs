using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Batches IDE activity seen by the tunnel into grain calls: a request or frame only stamps its container's slot (no
/// grain call, no lock); every <see cref="IdeActivityOptions.FlushInterval"/> the slots with news are reported, each
/// container at most once per <see cref="IdeActivityOptions.ReportInterval"/>. So the first activity after a quiet
/// spell reaches the grain within one flush, and a busy IDE costs one grain call a minute from each gateway.
/// </summary>
internal sealed partial class IdeActivityReporter(
    IGrainFactory grains,
    TimeProvider time,
    IOptions<IdeActivityOptions> options,
    ILogger<IdeActivityReporter> logger)
    : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<long, Slot> _slots = new();
    private readonly IdeActivityOptions _options = options.Value;
    private readonly Lock _flushGate = new();
    private Task _flush = Task.CompletedTask;
    private ITimer? _timer;

    /// <summary>How many containers this gateway holds activity for (only ever ones with an accepted IDE session).</summary>
    internal int TrackedContainers => _slots.Count;

    /// <summary>Records one piece of activity for <paramref name="containerId"/> (an IDE request or a client frame).</summary>
    public void Saw(long containerId)
    {
        var now = time.GetUtcNow().UtcTicks;
        var slot = _slots.GetOrAdd(containerId, static _ => new Slot());
        slot.Touch(now);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(static state => _ = ((IdeActivityReporter)state!).FlushAsync(), this, _options.FlushInterval, _options.FlushInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();

        // What this gateway saw last is worth one more try on the way out.
        await FlushAsync(force: true).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Reports every container whose news may go now; a flush already running is awaited, not repeated.</summary>
    public Task FlushAsync(bool force = false)
    {
        lock (_flushGate)
        {
            if (!_flush.IsCompleted)
            {
                return _flush;
            }

            return _flush = FlushOnceAsync(force);
        }
    }

    private async Task FlushOnceAsync(bool force)
    {
        var now = time.GetUtcNow().UtcTicks;
        var interval = _options.ReportInterval.Ticks;
        List<Task>? reports = null;
        foreach (var (id, slot) in _slots)
        {
            var latest = slot.Latest;
            if (latest > slot.Reported)
            {
                if (force || now - slot.ReportedAt >= interval)
                {
                    (reports ??= []).Add(ReportAsync(id, slot, latest, now));
                }
            }
            else if (now - slot.ReportedAt >= 2 * interval && _slots.TryRemove(new KeyValuePair<long, Slot>(id, slot)))
            {
                // A request that stamped the slot while it was removed is not lost: the slot goes back.
                if (slot.Latest > slot.Reported)
                {
                    _slots.GetOrAdd(id, slot).Touch(slot.Latest);
                }
            }
        }

        if (reports is not null)
        {
            await Task.WhenAll(reports);
        }
    }

    private async Task ReportAsync(long id, Slot slot, long latest, long now)
    {
        try
        {
            await grains.GetGrain<IDevContainerGrain>(id).ReportIdeActivityAsync(new DateTimeOffset(latest, TimeSpan.Zero));
            slot.Reported = latest;
            slot.ReportedAt = now;
        }
        catch (Exception ex)
        {
            // Kept as news and tried again one interval later, so an outage costs no more calls than a busy IDE (the
            // outage itself is logged by the cluster outage monitor).
            slot.ReportedAt = now;
            var errorType = ex.GetType().Name;
            LogReportFailed(logger, id, errorType);
        }
    }

    /// <summary>One container's activity: the latest stamp (UTC ticks) and what was last reported, and when.</summary>
    private sealed class Slot
    {
        private long _latest;

        public long Latest => Volatile.Read(ref _latest);

        /// <summary>Written by the flush only (one at a time).</summary>
        public long Reported { get; set; }

        /// <summary>Starts "long ago", so a container's first activity is reported at the next flush.</summary>
        public long ReportedAt { get; set; } = long.MinValue / 2;

        public void Touch(long ticks)
        {
            var seen = Volatile.Read(ref _latest);
            while (ticks > seen)
            {
                var previous = Interlocked.CompareExchange(ref _latest, ticks, seen);
                if (previous == seen)
                {
                    return;
                }

                seen = previous;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "IDE activity of container {ContainerId} was not reported; the next flush retries: {ErrorType}")]
    private static partial void LogReportFailed(ILogger logger, long containerId, string errorType);
}
