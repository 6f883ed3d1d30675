using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZlhGrind.Agent.Workloads;

namespace ZlhGrind.Agent.Hosting;

/// <summary>
/// Starts the workload before the cluster client (registered first), so a game server is reattached
/// or restarted even while the cluster is unreachable; stops it last, leaving the server running.
/// </summary>
internal sealed class WorkloadHostedService(IServiceProvider services) : IHostedService
{
    private IWorkload? _workload;

    // Resolved at start, after options validation, so a bad value is reported with all the others.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _workload = services.GetRequiredService<IWorkload>();
        return _workload.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _workload?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
