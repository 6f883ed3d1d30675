using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Workloads;

/// <summary>
/// What a container runs — a supervised game server or a dev environment. The cluster link hands it
/// every new desired spec and asks it for a snapshot before each heartbeat; the workload keeps
/// working on its own while the cluster is unreachable.
/// </summary>
internal interface IWorkload
{
    /// <summary>Starts supervision: reattaches to what is already running, or starts what should run.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Converges to <paramref name="spec"/>; called again for every newer generation.</summary>
    Task ApplyAsync(DesiredSpec spec, CancellationToken cancellationToken);

    /// <summary>What the next heartbeat reports. Cheap: it is called every heartbeat.</summary>
    WorkloadSnapshot Snapshot();

    /// <summary>
    /// The container is being deleted: stop what runs (the processes this agent started) and remove the workload's
    /// data unless <paramref name="keepData"/>. A workload that cannot remove anything says so in the outcome.
    /// </summary>
    Task<DeletionOutcome> DeleteAsync(bool keepData, CancellationToken cancellationToken) =>
        Task.FromResult(new DeletionOutcome(DataRemoved: false, keepData ? null : "this workload removes no data on deletion"));

    /// <summary>Stops supervising on agent shutdown; a game server keeps running (it is reattached later).</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>The workload's observed facts for one heartbeat.</summary>
internal sealed record WorkloadSnapshot(int? Pid, TimeSpan Uptime, long ObservedGeneration, GameObserved? Game, DevObserved? Dev);

/// <summary>What a deletion did: whether the data is gone, and why not when it is not.</summary>
internal sealed record DeletionOutcome(bool DataRemoved, string? Reason);
