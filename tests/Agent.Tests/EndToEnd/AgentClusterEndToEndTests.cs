using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.EndToEnd;

/// <summary>A real silo (SQLite storage) and the real agent as a child process, driven through the game-server grain.</summary>
public sealed class AgentClusterEndToEndTests : IDisposable
{
    private static readonly Actor Owner = new("e2e-owner", IsOperator: false);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    private readonly TempDirectory _dir = new();
    private readonly List<AgentProcess> _agents = [];

    private string DataRoot => _dir.Combine("agent");

    private RunDirectory Run => new(Path.Combine(DataRoot, "game", "run"));

    public void Dispose()
    {
        // End what the test started: the agents (by pid) and the server the last launch record names.
        foreach (var agent in _agents)
        {
            agent.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        if (LaunchRecord.TryLoad(Run.LaunchFile) is { } launch)
        {
            Signals.Send(launch.Server, Signals.Kill);
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task Agent_PowerStartCrashAndAgentRestart_OneServerAndEveryExitRecorded()
    {
        await using var silo = new RestartableSilo(_dir.Combine("silo.db"));
        await silo.StartAsync();
        var (grain, credentialFile) = await ProvisionAsync(silo);
        var first = StartAgent(grain, credentialFile, silo);
        await WaitForStatusAsync(grain, s => s.State == "Stopped", "the agent installs and reports Stopped", first);

        // A power start through the grain runs the server.
        await grain.PowerAsync(Owner, PowerAction.Start);
        var running = await WaitForStatusAsync(
            grain,
            s => s.State == "Running" && s.Process is { Pid: not null, RssBytes: > 0 } && s.ObservedGeneration == s.DesiredGeneration,
            "the server runs and the heartbeat describes it",
            first);
        var firstPid = running.Process!.Pid!.Value;
        Assert.False(string.IsNullOrWhiteSpace(running.Process.AgentVersion));
        Assert.Equal(Connectivity.Connected, running.Connectivity);
        await WaitForLogAsync("Done (");

        // A crash shows up in the grain's history with its log tail, and the server is restarted after the backoff.
        await ConsoleAsync("crash exit 3");
        var crash = (await WaitForCrashesAsync(grain, c => c.Count >= 1, "the crash is recorded", first))[0];
        Assert.Equal(3, crash.ExitCode);
        Assert.Equal(CrashClassification.NonzeroExit, crash.Classification);
        Assert.Contains("Stopping with exit code 3", crash.LogTail, StringComparison.Ordinal);
        Assert.Contains("Done (0.042s)!", crash.LogTail, StringComparison.Ordinal);
        var restarted = await WaitForStatusAsync(grain, s => s.State == "Running" && s.Process?.Pid is int p && p != firstPid, "the server restarts", first);
        var serverPid = restarted.Process!.Pid!.Value;
        await WaitForLogAsync("Done (");

        // The agent dies; the server does not. A new agent reattaches: no second server.
        await first.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        Assert.True(ProcessIdentity.TryRead(serverPid).HasValue, "the server survives the agent");
        var second = StartAgent(grain, credentialFile, silo);
        var reattached = await WaitForStatusAsync(grain, s => s.LastHeartbeatAt > killedAt && s.Process?.Pid is not null, "the new agent heartbeats", second);
        Assert.Equal(serverPid, reattached.Process!.Pid);
        Assert.Equal("Running", reattached.State);
        Assert.Equal(1, CountServers());

        // The console still works through the new agent's run directory, and the later exit is recorded with its code.
        await ConsoleAsync("say still here");
        await WaitForLogAsync("[Server] still here");
        await ConsoleAsync("crash exit 7");
        var crashes = await WaitForCrashesAsync(grain, c => c.Any(x => x.ExitCode == 7), "the exit after reattachment is recorded", second);
        var later = crashes.First(x => x.ExitCode == 7);
        Assert.Equal(CrashClassification.NonzeroExit, later.Classification);
        Assert.Contains("Stopping with exit code 7", later.LogTail, StringComparison.Ordinal);
        Assert.Equal(2, crashes.Count);

        // Restarted once more by the new agent.
        var again = await WaitForStatusAsync(grain, s => s.State == "Running" && s.Process?.Pid is int p && p != serverPid, "the server restarts again", second);
        Assert.Equal(1, CountServers());
        await WaitForLogAsync("Done (");

        // A graceful agent stop (SIGTERM) ends the agent cleanly and leaves the server running for the next one.
        Assert.Equal(0, await second.TerminateAsync());
        Assert.True(ProcessIdentity.TryRead(again.Process!.Pid!.Value).HasValue, "the server survives a graceful agent stop");
        var stoppedAt = DateTimeOffset.UtcNow;
        var third = StartAgent(grain, credentialFile, silo);
        await WaitForStatusAsync(grain, s => s.LastHeartbeatAt > stoppedAt && s.Process?.Pid == again.Process.Pid, "the third agent reattaches", third);
        Assert.Equal(1, CountServers());

        // Stopped gracefully through the grain: the console stop command, and no crash.
        await grain.PowerAsync(Owner, PowerAction.Stop);
        await WaitForStatusAsync(grain, s => s.State == "Stopped", "the server stops", third);
        Assert.Contains("All dimensions are saved", File.ReadAllText(Run.ConsoleLog), StringComparison.Ordinal);
        Assert.Equal(2, (await grain.GetCrashesAsync(Owner)).Count);
        Assert.Equal(0, CountServers());
    }

    [Fact]
    public async Task Agent_SiloDownWhileServerCrashes_CrashArrivesAfterSiloReturns()
    {
        var silo = new RestartableSilo(_dir.Combine("silo.db"));
        try
        {
            await silo.StartAsync();
            var (grain, credentialFile) = await ProvisionAsync(silo);
            var agent = StartAgent(grain, credentialFile, silo);
            await WaitForStatusAsync(grain, s => s.State == "Stopped", "the agent installs and reports Stopped", agent);
            await grain.PowerAsync(Owner, PowerAction.Start);
            await WaitForStatusAsync(grain, s => s.State == "Running" && s.Process?.Pid is not null, "the server runs", agent);
            await WaitForLogAsync("Done (");

            await silo.StopAsync();
            await ConsoleAsync("crash oom");
            await Wait.UntilAsync(() => agent.Output.Contains("classified oom", StringComparison.Ordinal), Patience, "the agent records the crash on its own");

            await silo.StartAsync();
            grain = silo.Gateway.GetGrain<IGameServerGrain>(grain.GetPrimaryKeyLong());
            var crashes = await WaitForCrashesAsync(grain, c => c.Count >= 1, "the queued crash is delivered", agent);

            var crash = Assert.Single(crashes);
            Assert.Equal(CrashClassification.Oom, crash.Classification);
            Assert.Equal(1, crash.ExitCode);
            Assert.Contains("java.lang.OutOfMemoryError: Java heap space", crash.LogTail, StringComparison.Ordinal);

            // Supervision went on meanwhile: the server was restarted after the backoff, without the cluster.
            await WaitForStatusAsync(grain, s => s.State == "Running", "the restarted server is reported", agent);
            await grain.PowerAsync(Owner, PowerAction.Stop);
            await WaitForStatusAsync(grain, s => s.State == "Stopped", "the server stops", agent);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Agent_KilledWhileSiloDownAfterCrash_NextAgentDeliversTheCrash()
    {
        var silo = new RestartableSilo(_dir.Combine("silo.db"));
        try
        {
            await silo.StartAsync();
            var (grain, credentialFile) = await ProvisionAsync(silo);
            var first = StartAgent(grain, credentialFile, silo);
            await WaitForStatusAsync(grain, s => s.State == "Stopped", "the agent installs and reports Stopped", first);
            await grain.PowerAsync(Owner, PowerAction.Start);
            await WaitForStatusAsync(grain, s => s.State == "Running" && s.Process?.Pid is not null, "the server runs", first);
            await WaitForLogAsync("Done (");

            // The crash is recorded while nobody can be told, then the agent that knows it dies.
            await silo.StopAsync();
            await ConsoleAsync("crash plugin");
            await Wait.UntilAsync(() => first.Output.Contains("classified mod_or_plugin_error", StringComparison.Ordinal), Patience, "the agent records the crash");
            await first.KillAsync();

            var second = StartAgent(grain, credentialFile, silo);
            await silo.StartAsync();
            grain = silo.Gateway.GetGrain<IGameServerGrain>(grain.GetPrimaryKeyLong());
            var crashes = await WaitForCrashesAsync(grain, c => c.Count >= 1, "the journaled crash is delivered by the next agent", second);

            var crash = Assert.Single(crashes);
            Assert.Equal(CrashClassification.ModOrPluginError, crash.Classification);
            Assert.Contains("Could not load 'plugins/StandInPlugin-1.0.jar'", crash.LogTail, StringComparison.Ordinal);
            await WaitForStatusAsync(grain, s => s.State == "Running", "the restarted server is reported", second);
            await grain.PowerAsync(Owner, PowerAction.Stop);
            await WaitForStatusAsync(grain, s => s.State == "Stopped", "the server stops", second);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Agent_EveryHintLost_AckGenerationDeliversCommandsAndTimerResubscribes()
    {
        var filter = new LinkObservingFilter();
        await using var silo = new RestartableSilo(_dir.Combine("silo.db"), s =>
        {
            s.Services.AddSingleton<IOutgoingGrainCallFilter>(filter);
            s.Services.AddSingleton<IIncomingGrainCallFilter>(filter);
        });
        await silo.StartAsync();
        var (grain, credentialFile) = await ProvisionAsync(silo);
        var agent = StartAgent(grain, credentialFile, silo, new Dictionary<string, string> { ["Agent:Cluster:ResubscribeInterval"] = "00:00:01" });
        await WaitForStatusAsync(grain, s => s.State == "Stopped", "the agent installs and reports Stopped", agent);

        await grain.PowerAsync(Owner, PowerAction.Start);
        await WaitForStatusAsync(grain, s => s.State == "Running", "the start arrives through the heartbeat ack", agent);
        Assert.True(filter.DroppedHints >= 1, "the grain tried to hint and the hint was lost");

        var connects = filter.Connects;
        await Wait.UntilAsync(() => filter.Connects >= connects + 3, Patience, "the agent re-subscribes on its timer");

        await grain.PowerAsync(Owner, PowerAction.Stop);
        await WaitForStatusAsync(grain, s => s.State == "Stopped", "the stop arrives through the heartbeat ack", agent);
        Assert.True(filter.DroppedHints >= 2);
        Assert.Empty(await grain.GetCrashesAsync(Owner));
    }

    private async Task<(IGameServerGrain Grain, string CredentialFile)> ProvisionAsync(RestartableSilo silo)
    {
        var server = _dir.Combine("stand-in-server.sh");
        File.Copy(RepoPaths.StandInServer, server);
        var id = await silo.Gateway.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).AllocateIdAsync();
        var grain = silo.Gateway.GetGrain<IGameServerGrain>(id);
        var provisioned = await grain.ProvisionAsync(Owner, new GameServerSpec("generic", "sh " + server, "stop", 1024));

        var credentialFile = _dir.Combine("agent.credential");
        File.WriteAllText(credentialFile, provisioned.AgentCredential + "\n");
        File.SetUnixFileMode(credentialFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (grain, credentialFile);
    }

    private AgentProcess StartAgent(IGameServerGrain grain, string credentialFile, RestartableSilo silo, IReadOnlyDictionary<string, string>? extra = null)
    {
        var agent = AgentProcess.Start(grain.GetPrimaryKeyLong(), credentialFile, DataRoot, silo.GatewayPort, extra);
        _agents.Add(agent);
        return agent;
    }

    private async Task ConsoleAsync(string line)
    {
        await using var fifo = new FileStream(Run.ConsoleInput, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        await fifo.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
    }

    private Task WaitForLogAsync(string text) =>
        Wait.UntilAsync(() => File.Exists(Run.ConsoleLog) && File.ReadAllText(Run.ConsoleLog).Contains(text, StringComparison.Ordinal), Patience, "the server logs " + text);

    private static async Task<ContainerStatus> WaitForStatusAsync(IGameServerGrain grain, Func<ContainerStatus, bool> condition, string what, AgentProcess agent)
    {
        ContainerStatus? last = null;
        try
        {
            await Wait.UntilAsync(() =>
            {
                last = grain.GetStatusAsync(Owner).GetAwaiter().GetResult();
                return condition(last);
            }, Patience, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last status {last}; agent output:\n{agent.Output}", ex);
        }

        return last!;
    }

    private static async Task<IReadOnlyList<CrashRecord>> WaitForCrashesAsync(IGameServerGrain grain, Func<IReadOnlyList<CrashRecord>, bool> condition, string what, AgentProcess agent)
    {
        IReadOnlyList<CrashRecord> last = [];
        try
        {
            await Wait.UntilAsync(() =>
            {
                last = grain.GetCrashesAsync(Owner).GetAwaiter().GetResult();
                return condition(last);
            }, Patience, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; {last.Count} crashes; agent output:\n{agent.Output}", ex);
        }

        return last;
    }

    private int CountServers()
    {
        var marker = _dir.Combine("stand-in-server.sh");
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || ProcessIdentity.TryRead(pid) is null)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (cmdline is ["sh", var script] && script == marker)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Ended while being looked at.
            }
        }

        return count;
    }
}
