using ZlhGrind.Agent.Workloads;

namespace ZlhGrind.Agent.Hosting;

/// <summary>
/// Stands in for the workload of an unknown kind so the host can be built and options validation
/// can report the problem in plain words.
/// </summary>
internal sealed class UnavailableWorkload(string reason) : IWorkload
{
    public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException(reason);

    public Task ApplyAsync(Grains.Agents.DesiredSpec spec, CancellationToken cancellationToken) => throw new InvalidOperationException(reason);

    public WorkloadSnapshot Snapshot() => new(null, TimeSpan.Zero, 0, null, null);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
