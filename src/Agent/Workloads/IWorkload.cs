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

    /// <summary>Stops supervising on agent shutdown; a game server keeps running (it is reattached later).</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>The workload's observed facts for one heartbeat.</summary>
internal sealed record WorkloadSnapshot(int? Pid, TimeSpan Uptime, long ObservedGeneration, GameObserved? Game, DevObserved? Dev);
