using Orleans.Concurrency;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>
/// One partition of the idle watch: the dev containers whose code-server runs with an idle timeout. Only the set is
/// stored (it changes when code-server starts or stops, never with activity); the deadlines live in memory and start
/// at "now" in every activation, so after a silo restart each container is asked once and answers from its own stored
/// last activity. The silos' <see cref="Watch.ConnectivitySweeper"/> sweeps these partitions with the connectivity
/// watch's, so no grain keeps a timer or a reminder. Reentrant for the same reason as the connectivity watch: a
/// container may ask to be watched while this partition's sweep waits on it.
/// </summary>
[Reentrant]
internal sealed partial class IdleWatchGrain(
    [PersistentState("idle-watch", StorageNames.Containers)] IPersistentState<IdleWatchRecord> record,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    ILogger<IdleWatchGrain> logger)
    : Grain, IIdleWatchGrain
{
    private readonly Dictionary<long, DateTimeOffset> _deadlines = [];
    private readonly SerialWriter _writer = new(() => record.WriteStateAsync());
    private Task? _sweep;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var id in record.State.Containers)
        {
            _deadlines[id] = DateTimeOffset.MinValue;
        }

        return Task.CompletedTask;
    }

    public async Task WatchAsync(long containerId, DateTimeOffset deadline)
    {
        if (_deadlines.ContainsKey(containerId))
        {
            // The container's own answer: its deadlines only move later (activity, keep-running).
            _deadlines[containerId] = deadline;
            return;
        }

        _deadlines[containerId] = deadline;
        record.State.Containers.Add(containerId);
        try
        {
            await WriteAsync();
        }
        catch
        {
            // Not stored, so not watched: the container asks again at its next activity or change.
            _deadlines.Remove(containerId);
            record.State.Containers.Remove(containerId);
            throw;
        }
    }

    public Task SweepAsync() => _sweep is { IsCompleted: false } running ? running : _sweep = SweepOnceAsync();

    private async Task SweepOnceAsync()
    {
        var now = time.GetUtcNow();
        var due = _deadlines.Where(d => d.Value <= now).Select(d => d.Key).ToList();
        if (due.Count == 0)
        {
            return;
        }

        var answers = await Task.WhenAll(due.Select(AskAsync));
        var removed = false;
        foreach (var (id, next, failed) in answers)
        {
            if (failed || !_deadlines.TryGetValue(id, out var current))
            {
                continue;
            }

            if (next is { } deadline)
            {
                // A container re-watched during the sweep answered later than this: its deadline stands.
                _deadlines[id] = current > now ? current : deadline;
            }
            else if (current <= now)
            {
                _deadlines.Remove(id);
                record.State.Containers.Remove(id);
                removed = true;
            }
        }

        if (removed)
        {
            await WriteAsync();
        }
    }

    private async Task<(long Id, DateTimeOffset? Next, bool Failed)> AskAsync(long id)
    {
        try
        {
            return (id, await GrainFactory.GetGrain<IDevContainerGrain>(id).AsReference<IIdleCheck>().CheckIdleAsync(), false);
        }
        catch (Exception ex)
        {
            // Asked again at the next sweep: the entry keeps its passed deadline.
            LogCheckFailed(logger, id, ex.Message);
            return (id, null, true);
        }
    }

    private Task WriteAsync() => _writer.WriteAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The idle check of container {ContainerId} failed; it is asked again at the next sweep: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, long containerId, string reason);
}
