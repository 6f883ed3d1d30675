using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// Keeps the container's file endpoint registered with its files grain over the agent's own (outgoing) connection:
/// again every <see cref="FilesOptions.RelayRefreshInterval"/>, so a reconnect or a grain that moved silo finds it.
/// </summary>
internal sealed partial class FilesRelayService(
    IClusterClient client,
    IServiceProvider services,
    IOptions<AgentOptions> agent,
    IOptions<FilesOptions> options,
    TimeProvider time,
    ILogger<FilesRelayService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here, not in the constructor: the host validates every options section before background services run.
        var relay = services.GetRequiredService<FilesRelay>();
        IFilesAgent? reference = null;
        using var timer = new PeriodicTimer(options.Value.RelayRefreshInterval, time);
        try
        {
            do
            {
                try
                {
                    reference ??= client.CreateObjectReference<IFilesAgent>(relay);
                    await client.GetGrain<IFilesGrain>(agent.Value.ContainerId).ConnectAgentAsync(reference);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The cluster may be out of reach; the next tick tries again.
                    LogConnectFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (reference is not null)
            {
                client.DeleteObjectReference<IFilesAgent>(reference);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering the file endpoint with the cluster failed; retrying")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception);
}
