using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.ClusterLink;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Agent.Consoles;

/// <summary>
/// Keeps the game server's console registered with its console grain over the agent's own (outgoing) connection:
/// again every <see cref="ConsoleRelayOptions.RefreshInterval"/>, so a reconnect or a grain that moved silo finds it.
/// </summary>
internal sealed partial class GameConsoleService(
    IClusterClient client,
    IServiceProvider services,
    IOptions<AgentOptions> agent,
    IOptions<ConsoleRelayOptions> options,
    TimeProvider time,
    ILogger<GameConsoleService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here, not in the constructor: the host validates every options section (and reports them all)
        // before background services run, and the console's dependencies read options.
        var console = services.GetRequiredService<GameConsole>();
        ConsoleRelay? relay = null;
        IConsoleAgent? reference = null;
        try
        {
            await ClusterRegistration.KeepRegisteredAsync(
                options.Value.RefreshInterval,
                time,
                async () =>
                {
                    relay ??= new ConsoleRelay(console, client.GetGrain<IConsoleGrain>(agent.Value.ContainerId, ConsoleLimits.GameChannel, null), options.Value.QueuedSlices, logger);
                    reference ??= client.CreateObjectReference<IConsoleAgent>(relay);
                    await relay.ConnectAsync(reference);
                },
                ex => LogConnectFailed(logger, ex),
                stoppingToken);
        }
        finally
        {
            if (reference is not null)
            {
                client.DeleteObjectReference<IConsoleAgent>(reference);
            }

            if (relay is not null)
            {
                await relay.DisposeAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering the game console with the cluster failed; retrying")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception);
}
