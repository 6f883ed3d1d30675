using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>
/// Checks what an agent sends against <see cref="AgentInputLimits"/> before a grain looks at it, so nothing of
/// an oversized or malformed message is ever stored. Every refusal names the field.
/// </summary>
internal static class AgentInput
{
    public static void Check(AgentHello? hello)
    {
        Require(hello is not null, "hello is required.");
        Text(hello!.AgentVersion, "hello.agentVersion", AgentInputLimits.AgentVersion, required: true);
    }

    public static void Check(Heartbeat? heartbeat)
    {
        Require(heartbeat is not null, "heartbeat is required.");
        Text(heartbeat!.AgentVersion, "heartbeat.agentVersion", AgentInputLimits.AgentVersion, required: true);
        Require(double.IsFinite(heartbeat.CpuPercent) && heartbeat.CpuPercent >= 0, "heartbeat.cpuPercent must be a finite number of at least 0.");
        Require(heartbeat.RssBytes >= 0, "heartbeat.rssBytes must be at least 0.");
        Require(heartbeat.Uptime >= TimeSpan.Zero, "heartbeat.uptime must be at least 0.");
        if (heartbeat.Game is { } game)
        {
            Require(Enum.IsDefined(game.State), "heartbeat.game.state is not a game server state.");
            Require(game.ConsecutiveCrashes >= 0, "heartbeat.game.consecutiveCrashes must be at least 0.");
            if (game.Install is { } gameInstall)
            {
                Text(gameInstall.Runtime, "heartbeat.game.install.runtime", AgentInputLimits.RuntimeName, required: true);
                Text(gameInstall.Version, "heartbeat.game.install.version", AgentInputLimits.RuntimeName, required: true);
                Text(gameInstall.Phase, "heartbeat.game.install.phase", AgentInputLimits.InstallPhase, required: true);
                Require(gameInstall.BytesDone >= 0 && gameInstall.BytesTotal >= 0, "heartbeat.game.install bytes must be at least 0.");
            }
        }

        if (heartbeat.Dev is { } dev)
        {
            Require(Enum.IsDefined(dev.State), "heartbeat.dev.state is not a dev container state.");
            Require(Enum.IsDefined(dev.CodeServer), "heartbeat.dev.codeServer is not a code-server state.");
            Text(dev.IdeEndpoint, "heartbeat.dev.ideEndpoint", AgentInputLimits.IdeEndpoint);
            Require(dev.Runtimes is not null, "heartbeat.dev.runtimes is required.");
            Count(dev.Runtimes!.Count, "heartbeat.dev.runtimes", AgentInputLimits.Runtimes);
            // Indexed, not foreach: an IReadOnlyList enumerator is boxed, and this runs on every heartbeat.
            for (var i = 0; i < dev.Runtimes.Count; i++)
            {
                var runtime = dev.Runtimes[i];
                Require(runtime is not null, "heartbeat.dev.runtimes holds an empty entry.");
                Text(runtime!.Name, "heartbeat.dev.runtimes.name", AgentInputLimits.RuntimeName, required: true);
                Text(runtime.Version, "heartbeat.dev.runtimes.version", AgentInputLimits.RuntimeName, required: true);
            }

            if (dev.Install is { } install)
            {
                Text(install.Runtime, "heartbeat.dev.install.runtime", AgentInputLimits.RuntimeName, required: true);
                Text(install.Version, "heartbeat.dev.install.version", AgentInputLimits.RuntimeName, required: true);
                Text(install.Phase, "heartbeat.dev.install.phase", AgentInputLimits.InstallPhase, required: true);
                Require(install.BytesDone >= 0 && install.BytesTotal >= 0, "heartbeat.dev.install bytes must be at least 0.");
            }
        }
    }

    /// <summary>The report as a whole: its size and counters. Each event is judged on its own by <see cref="Problem"/>.</summary>
    public static void Check(AgentReport? report)
    {
        Require(report is not null, "report is required.");
        Require(report!.Events is not null, "report.events is required.");
        Count(report.Events!.Count, "report.events", AgentInputLimits.EventsPerReport);
        Require(report.DroppedEvents >= 0, "report.droppedEvents must be at least 0.");
    }

    /// <summary>Why one event cannot be taken, or null when it is within every limit.</summary>
    public static string? Problem(AgentEvent? agentEvent)
    {
        try
        {
            Require(agentEvent is not null, "event is empty.");
            switch (agentEvent)
            {
                case GameStateChanged changed:
                    Require(Enum.IsDefined(changed.State), "state is not a game server state.");
                    Text(changed.Reason, "reason", AgentInputLimits.Reason);
                    Text(changed.Stop?.Reason, "stop.reason", AgentInputLimits.Reason);
                    break;
                case GameCrashed crashed:
                    Require(crashed.Crash is not null, "crash is required.");
                    Require(Enum.IsDefined(crashed.Crash!.Classification), "crash.classification is not a classification.");
                    Text(crashed.Crash.LogTail, "crash.logTail", AgentInputLimits.CrashLogTail);
                    Count(crashed.Crash.ChangedMods?.Count ?? 0, "crash.changedMods", ZlhGrind.Grains.Mods.ModLimits.ListedMods);
                    Require(crashed.Crash.ChangedMods?.All(ZlhGrind.Grains.Mods.ModLimits.IsName) ?? true, "crash.changedMods holds a name that is not a mod name.");
                    break;
                case DevStateChanged changed:
                    Require(Enum.IsDefined(changed.State), "state is not a dev container state.");
                    Text(changed.Reason, "reason", AgentInputLimits.Reason);
                    break;
                case RuntimeInstallFinished installed:
                    Text(installed.Runtime, "runtime", AgentInputLimits.RuntimeName, required: true);
                    Text(installed.Version, "version", AgentInputLimits.RuntimeName, required: true);
                    Text(installed.Reason, "reason", AgentInputLimits.Reason);
                    break;
                case DeletionFinished deleted:
                    Text(deleted.Reason, "reason", AgentInputLimits.Reason);
                    break;
                case CodeServerChanged codeServer:
                    Require(Enum.IsDefined(codeServer.State), "state is not a code-server state.");
                    Text(codeServer.Endpoint, "endpoint", AgentInputLimits.IdeEndpoint);
                    Text(codeServer.Reason, "reason", AgentInputLimits.Reason);
                    break;
            }

            return null;
        }
        catch (InvalidRequestException ex)
        {
            return ex.Message;
        }
    }

    private static void Text(string? value, string field, int max, bool required = false)
    {
        if (value is null)
        {
            // Not Require(...): its message would be built on every heartbeat with an empty optional field.
            if (required)
            {
                throw new InvalidRequestException($"{field} is required.");
            }

            return;
        }

        if (value.Length > max)
        {
            throw new InvalidRequestException($"{field} is {value.Length} characters; at most {max} are taken.");
        }
    }

    private static void Count(int count, string field, int max)
    {
        if (count > max)
        {
            throw new InvalidRequestException($"{field} has {count} entries; at most {max} are taken.");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidRequestException(message);
        }
    }
}
