using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Benchmarks.Processes;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Agents;

/// <summary>The real agent process for one provisioned game container, and the power start that waits out its install.</summary>
internal static class GameAgentProcess
{
    /// <summary>
    /// Writes the credential file (mode 0600, or the agent refuses it) and starts the agent on <paramref name="directory"/>:
    /// the build's agent, or the published single file <paramref name="executable"/> (./zlh publish-agent).
    /// </summary>
    public static async Task<ChildProcess> StartAsync(
        BenchContext context, TunnelRig rig, string scenario, long id, string directory, string credential, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken, string? executable = null)
    {
        Directory.CreateDirectory(directory);
        var credentialFile = Path.Combine(directory, "agent.credential");
        await File.WriteAllTextAsync(credentialFile, credential, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(credentialFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var start = executable is null
            ? Dotnet.Start(Dotnet.Program(context, Path.Combine("src", "Agent"), "ZlhGrind.Agent"))
            : new ProcessStartInfo(executable) { WorkingDirectory = directory };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Agent__ContainerId"] = id.ToString(CultureInfo.InvariantCulture);
        start.Environment["Agent__Kind"] = "game";
        start.Environment["Agent__CredentialFile"] = credentialFile;
        start.Environment["Agent__DataRoot"] = Path.Combine(directory, "agent");
        start.Environment["Agent__Cluster__Gateways__0"] = $"127.0.0.1:{rig.SiloGatewayPort}";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        return context.Children.Start(start, Path.Combine(context.LogDirectory, $"{scenario}-agent-{id}.log"));
    }

    /// <summary>Asks for a power start until the agent has installed (Provisioning → Installing → Stopped refuses one before).</summary>
    public static async Task PowerStartAsync(TunnelRig rig, IGameServerGrain grain, TimeSpan giveUpAfter, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                CallAs.GatewayWithKey(rig.ServiceKey);
                await grain.PowerAsync(Provisioning.Owner, PowerAction.Start);
                return;
            }
            catch (ContainerConflictException)
            {
                if (Stopwatch.GetElapsedTime(started) > giveUpAfter)
                {
                    throw new TimeoutException($"the agent did not finish installing within {giveUpAfter.TotalSeconds:0} s (see its log)");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }
}
