using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// Keeps the container's file endpoint registered with its files grain over the agent's own (outgoing) connection:
/// again every <see cref="FilesOptions.RelayRefreshInterval"/>, so a reconnect or a grain that moved silo finds it.
/// </summary>
internal sealed partial class FilesRelayService(
    IServiceProvider services,
    IOptions<AgentOptions> agent,
    IOptions<FilesOptions> options,
    TimeProvider time,
    ILogger<FilesRelayService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here, not in the constructor: the host validates every options section before background services
        // run. An agent built without a cluster link (a configuration check) has no file endpoint to offer.
        if (!ClusterLink.ClusterClientAccess.TryGetClusterClient(services, out var client))
        {
            return;
        }

        var relay = services.GetRequiredService<FilesRelay>();

        // Not offered before the spec's quota and denylist are known (503 until then, never a call without them).
        await relay.Source.Applied.WaitAsync(stoppingToken);
        var reference = client.CreateObjectReference<IFilesAgent>(relay);
        try
        {
            await ClusterLink.ClusterRegistration.KeepRegisteredAsync(
                options.Value.RelayRefreshInterval,
                time,
                () => client.GetGrain<IFilesGrain>(agent.Value.ContainerId).ConnectAgentAsync(reference),
                ex => LogConnectFailed(logger, ex),
                stoppingToken);
        }
        finally
        {
            client.DeleteObjectReference<IFilesAgent>(reference);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering the file endpoint with the cluster failed; retrying")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception);
}
