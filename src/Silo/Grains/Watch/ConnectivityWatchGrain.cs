using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Storage;

using Orleans.Concurrency;

namespace ZlhGrind.Silo.Grains.Watch;

/// <summary>
/// One partition of the cluster's connectivity watch: {container id -> deadline}. The set is stored (it changes
/// only when a container starts or stops being watched), the deadlines move in memory: a heartbeat never reaches
/// this grain. When a deadline passes, the partition asks the container grain, which evaluates in its own
/// ordinary turn and answers with its next deadline. Reentrant so a container grain that asks to be watched while
/// this partition's sweep is waiting on it never deadlocks; every change of the dictionary is synchronous and the
/// writes go through one gate.
/// </summary>
[Reentrant]
internal sealed partial class ConnectivityWatchGrain(
    [PersistentState("watch", StorageNames.Containers)] IPersistentState<WatchRecord> record,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    ILogger<ConnectivityWatchGrain> logger)
    : Grain, IConnectivityWatchGrain
{
    private readonly SerialWriter _writer = new(() => record.WriteStateAsync());
    private Task? _sweep;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Nobody knows when these agents were last seen before this activation (a silo restart, a lost silo): ask
        // each at the first sweep; a grain brought back counts its agent's silence from its own activation.
        foreach (var entry in record.State.Entries.Values)
        {
            entry.Deadline = DateTimeOffset.MinValue;
        }

        return Task.CompletedTask;
    }

    public async Task WatchAsync(long containerId, ContainerKind kind, DateTimeOffset deadline)
    {
        if (record.State.Entries.TryGetValue(containerId, out var entry))
        {
            entry.Deadline = deadline;
            return;
        }

        record.State.Entries[containerId] = new WatchEntry { Kind = kind, Deadline = deadline };
        try
        {
            await WriteAsync();
        }
        catch
        {
            // Not stored, so not watched: the container asks again with its next heartbeat and the write is retried.
            record.State.Entries.Remove(containerId);
            throw;
        }
    }

    public async Task UnwatchAsync(long containerId)
    {
        if (record.State.Entries.Remove(containerId))
        {
            await WriteAsync();
        }
    }

    public Task SweepAsync()
    {
        if (_sweep is { IsCompleted: false } running)
        {
            return running;
        }

        return _sweep = SweepOnceAsync();
    }

    private async Task SweepOnceAsync()
    {
        var now = time.GetUtcNow();
        var due = record.State.Entries.Where(e => e.Value.Deadline <= now).Select(e => (Id: e.Key, e.Value.Kind)).ToList();
        if (due.Count == 0)
        {
            return;
        }

        var answers = await Task.WhenAll(due.Select(d => AskAsync(d.Id, d.Kind)));
        var removed = false;
        foreach (var (id, next) in answers)
        {
            if (!record.State.Entries.TryGetValue(id, out var entry) || next is { Failed: true })
            {
                continue;
            }

            if (next.Deadline is { } deadline)
            {
                // A container re-watched during the sweep keeps the later of the two deadlines.
                entry.Deadline = deadline > entry.Deadline ? deadline : entry.Deadline;
            }
            else if (entry.Deadline <= now)
            {
                record.State.Entries.Remove(id);
                removed = true;
            }
        }

        if (removed)
        {
            await WriteAsync();
        }
    }

    private async Task<(long Id, (DateTimeOffset? Deadline, bool Failed) Next)> AskAsync(long id, ContainerKind kind)
    {
        IConnectivityCheck grain = kind == ContainerKind.Game
            ? GrainFactory.GetGrain<IGameServerGrain>(id).AsReference<IConnectivityCheck>()
            : GrainFactory.GetGrain<IDevContainerGrain>(id).AsReference<IConnectivityCheck>();
        try
        {
            return (id, (await grain.CheckConnectivityAsync(), false));
        }
        catch (Exception ex)
        {
            // Asked again at the next sweep: the entry keeps its passed deadline.
            LogCheckFailed(logger, id, ex.Message);
            return (id, (null, true));
        }
    }

    private Task WriteAsync() => _writer.WriteAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connectivity check of container {ContainerId} failed; it is asked again at the next sweep: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, long containerId, string reason);
}
