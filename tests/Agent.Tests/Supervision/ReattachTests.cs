using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Supervision;

/// <summary>An agent restart neither kills nor duplicates the server; the next agent reattaches and still learns the exit.</summary>
public sealed class ReattachTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Server => _dir.Script("server.sh", $$"""
        # marker {{_dir.Path}}
        echo "Done (0.5s)! For help, type \"help\""
        while read line; do
          case "$line" in
            say\ *) echo "[Server] ${line#say }" ;;
            exit\ *) echo "exiting with ${line#exit }"; exit ${line#exit } ;;
          esac
        done
        """);

    [Fact]
    public async Task StartAsync_ServerStillRunning_ReattachesAndKeepsConsoleAndExitCode()
    {
        await using var harness = new SupervisorHarness(_dir);
        var first = await harness.StartedAsync(Server);
        await first.PowerAsync(PowerAction.Start, CancellationToken.None);
        var pid = first.Observe().Pid!.Value;
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        // The agent goes away: supervision stops, the server does not.
        await first.DisposeAsync();
        Assert.True(ProcessIdentity.TryRead(pid).HasValue);

        var events = new RecordingEvents(harness.Time);
        var second = harness.Create(events);
        await second.StartAsync();

        Assert.Equal(GameServerState.Running, second.State);
        Assert.Equal(pid, second.Observe().Pid);
        Assert.Equal(TimeSpan.FromMinutes(2), second.Observe().Uptime);
        Assert.Empty(events.All);

        // The shim execs the server a moment after it starts: wait for the server's own command line, then count.
        await Wait.UntilAsync(() => CountProcessesWithMarker() > 0, Wait.Patience, "the server's process shows");
        Assert.Equal(1, CountProcessesWithMarker());

        // A start request for a running server starts nothing new (counted again after the console's round trip,
        // by which time a second server would have shown).
        await second.PowerAsync(PowerAction.Start, CancellationToken.None);
        await second.SendConsoleAsync("say hello from the new agent", CancellationToken.None);
        await Wait.UntilAsync(() => second.ReadLogTail().Contains("[Server] hello from the new agent", StringComparison.Ordinal), Wait.Patience, "the console answers");
        Assert.Equal(1, CountProcessesWithMarker());

        await second.SendConsoleAsync("exit 7", CancellationToken.None);
        var crash = await events.CrashAsync(1);
        Assert.Equal(7, crash.ExitCode);
        Assert.Equal(CrashClassification.NonzeroExit, crash.Classification);
        Assert.Equal(TimeSpan.FromMinutes(2), crash.Uptime);
        Assert.EndsWith("exiting with 7", crash.LogTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ServerDiedWhileAgentAway_RecordsItsExitCode()
    {
        await using var harness = new SupervisorHarness(_dir);
        var first = await harness.StartedAsync(Server);
        await first.PowerAsync(PowerAction.Start, CancellationToken.None);
        await first.DisposeAsync();

        await File.WriteAllTextAsync(harness.Run.ConsoleInput, "exit 5\n");
        await Wait.UntilAsync(() => File.Exists(harness.Run.ExitFile), Wait.Patience, "the shim records the exit");

        var events = new RecordingEvents(harness.Time);
        var second = harness.Create(events);
        await second.StartAsync();
        var crash = await events.CrashAsync(1);

        Assert.Equal(5, crash.ExitCode);
        Assert.Equal(GameServerState.Crashed, second.State);
        Assert.Equal(TimeSpan.FromSeconds(30), crash.RestartDelay);
        Assert.False(File.Exists(harness.Run.LaunchFile));
    }

    [Fact]
    public async Task StartAsync_ServerCrashedWhileAgentAway_TimeUptimeAndBackoffFromTheShimsRecord()
    {
        await using var harness = new SupervisorHarness(_dir);

        // The fake clock reads real time here, so the shim's clock and the agent's can be compared.
        var launchedAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60);
        harness.Time.SetUtcNow(launchedAt);
        var first = await harness.StartedAsync(Server);
        await first.PowerAsync(PowerAction.Start, CancellationToken.None);
        await first.DisposeAsync();
        await File.WriteAllTextAsync(harness.Run.ConsoleInput, "exit 5\n");
        await Wait.UntilAsync(() => File.Exists(harness.Run.ExitFile), Wait.Patience, "the shim records the exit");
        var endedAt = ExitStatus.Parse(await File.ReadAllTextAsync(harness.Run.ExitFile)).EndedAt!.Value;

        // The next agent starts 10 s after the crash: the 30 s backoff has 20 s left.
        harness.Time.SetUtcNow(endedAt.AddSeconds(10));
        var events = new RecordingEvents(harness.Time);
        var second = harness.Create(events);
        await second.StartAsync();
        var crash = await events.CrashAsync(1);

        Assert.Equal(endedAt, crash.At);
        Assert.Equal(endedAt - launchedAt, crash.Uptime);
        Assert.Equal(TimeSpan.FromSeconds(30), crash.RestartDelay);
        Assert.Equal(endedAt.AddSeconds(30), second.Observe().Observed.NextRestartAt);
        harness.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal(GameServerState.Crashed, second.State);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await events.StateAsync(GameServerState.Running);
        await second.PowerAsync(PowerAction.Kill, CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_StopWasRequestedBeforeAgentRestart_ExitIsAStop()
    {
        await using var harness = new SupervisorHarness(_dir);
        var first = await harness.StartedAsync(Server);
        await first.PowerAsync(PowerAction.Start, CancellationToken.None);
        var launch = LaunchRecord.TryLoad(harness.Run.LaunchFile)!;
        (launch with { StopRequested = true }).Save(harness.Run.LaunchFile);
        await first.DisposeAsync();

        var events = new RecordingEvents(harness.Time);
        var second = harness.Create(events);
        await second.StartAsync();
        Assert.Equal(GameServerState.Stopping, second.State);
        Signals.Send(launch.Server, Signals.Term);
        await events.StateAsync(GameServerState.Stopped);

        Assert.Empty(events.Crashes);
    }

    [Fact]
    public async Task StartAsync_PendingRestartBeforeAgentRestart_KeepsCounterAndDeadline()
    {
        await using var harness = new SupervisorHarness(_dir);
        var first = await harness.StartedAsync(_dir.Script("crash.sh", "exit 1"));
        await first.PowerAsync(PowerAction.Start, CancellationToken.None);
        await harness.Events.CrashAsync(1);
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        await first.DisposeAsync();

        var events = new RecordingEvents(harness.Time);
        var second = harness.Create(events);
        await second.StartAsync();
        Assert.Equal(GameServerState.Crashed, second.State);
        harness.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.Empty(events.All);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var crash = await events.CrashAsync(1);

        Assert.Equal(2, crash.ConsecutiveCrashes);
        Assert.Equal(TimeSpan.FromSeconds(60), crash.RestartDelay);
    }

    [Fact]
    public async Task StopForAgentShutdownAsync_NextAgentStarts_ServerStopsGracefullyThenResumes()
    {
        await using var harness = new SupervisorHarness(_dir);
        var first = await harness.StartedAsync(_dir.Script("server.sh", """
            echo "Done (0.5s)!"
            while read line; do
              if [ "$line" = stop ]; then echo "Saving worlds"; exit 0; fi
            done
            """), stopCommand: "stop");
        await first.PowerAsync(PowerAction.Start, CancellationToken.None);
        var pid = first.Observe().Pid!.Value;

        await first.StopForAgentShutdownAsync(CancellationToken.None);
        await first.DisposeAsync();
        Assert.Equal(GameServerState.Stopped, first.State);
        Assert.Null(ProcessIdentity.TryRead(pid));
        Assert.Contains("Saving worlds", File.ReadAllText(harness.Run.ConsoleLog), StringComparison.Ordinal);

        var events = new RecordingEvents(harness.Time);
        var second = harness.Create(events);
        await second.StartAsync();

        Assert.Equal(GameServerState.Running, second.State);
        Assert.NotEqual(pid, second.Observe().Pid);
        Assert.Equal([GameServerState.Starting, GameServerState.Running], events.States);
        Assert.Empty(events.Crashes);
        Assert.Empty(harness.Events.Crashes);

        // Resuming is a one-off: a third agent finds the server running and just reattaches.
        var resumedPid = second.Observe().Pid;
        Assert.NotNull(resumedPid);
        await second.DisposeAsync();
        var thirdEvents = new RecordingEvents(harness.Time);
        var third = harness.Create(thirdEvents);
        await third.StartAsync();
        Assert.Equal(resumedPid, third.Observe().Pid);
        Assert.Equal(GameServerState.Running, third.State);
        Assert.Empty(thirdEvents.All);
    }

    [Fact]
    public void IsAlive_PidReusedByAnotherProcess_IsNotTheServer()
    {
        using var self = Process.GetCurrentProcess();
        var identity = ProcessIdentity.TryRead(self.Id)!.Value;

        Assert.True(identity.IsAlive());
        Assert.False((identity with { StartTicks = identity.StartTicks + 1 }).IsAlive());
    }

    [Fact]
    public void ProcStatParse_CommandWithSpacesAndParentheses_FindsStateAndStartTime()
    {
        var stat = ProcStat.Parse("4242 (java (server) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 12 3 0 0 20 0 30 0 987654 1000 100");

        Assert.Equal(new ProcStat('S', 1, 4242, 987654), stat);
    }

    private int CountProcessesWithMarker()
    {
        var marker = "server.sh";
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(_dir.Path, StringComparison.Ordinal) && cmdline.Contains(marker, StringComparison.Ordinal)
                    && !cmdline.Contains("shim.sh", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The process ended while being looked at.
            }
        }

        return count;
    }
}
