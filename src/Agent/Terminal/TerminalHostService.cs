using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.ClusterLink;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// Keeps the dev terminal's host and its sessions registered with their console grains over the agent's own (outgoing)
/// connection: again every <see cref="ConsoleRelayOptions.RefreshInterval"/>, as the game console does.
/// </summary>
internal sealed partial class TerminalHostService(
    IServiceProvider services,
    IOptions<AgentOptions> agent,
    IOptions<ConsoleRelayOptions> options,
    TimeProvider time,
    ILogger<TerminalHostService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here: the host validates every options section before background services run. An agent built
        // without a cluster link (a configuration check) has no terminal to offer.
        if (!services.TryGetClusterClient(out var client))
        {
            return;
        }

        await using var host = new TerminalHost(services.GetRequiredService<TerminalSessions>(), client, agent.Value.ContainerId, options.Value.QueuedSlices, logger);
        var reference = client.CreateObjectReference<ITerminalHost>(host);
        try
        {
            await ClusterRegistration.KeepRegisteredAsync(
                options.Value.RefreshInterval,
                time,
                async () =>
                {
                    await host.Grain.ConnectTerminalHostAsync(reference);
                    await host.ReconnectAsync();
                },
                ex => LogConnectFailed(logger, ex),
                stoppingToken);
        }
        finally
        {
            client.DeleteObjectReference<ITerminalHost>(reference);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering the dev terminal with the cluster failed; retrying")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception);
}
