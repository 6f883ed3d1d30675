using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ZlhGrind.Agent.Usage;

/// <summary>
/// Runs the <see cref="UsageReporter"/>, built when the service runs and not when the host resolves its services: the
/// host validates every options section before background services run (so a bad setting is reported as such, not as
/// the first options read failing), and an agent host built without a cluster link has no grain to report to.
/// </summary>
internal sealed class UsageService(IServiceProvider services, Func<IServiceProvider, UsageReporter> create) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!ClusterLink.ClusterClientAccess.TryGetClusterClient(services, out _))
        {
            return;
        }

        using var reporter = create(services);
        await reporter.StartAsync(stoppingToken);
        try
        {
            await (reporter.ExecuteTask ?? Task.CompletedTask);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent is stopping.
        }
        finally
        {
            await reporter.StopAsync(CancellationToken.None);
        }
    }
}
