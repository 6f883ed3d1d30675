using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Crashes;

/// <summary>Each classification produced by a real process printing what Minecraft/Java print.</summary>
public sealed class CrashClassificationProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Crash_JavaOutOfMemoryError_IsOom()
    {
        var crash = await CrashOfAsync("""
            echo "[12:00:00] [Server thread/INFO]: Preparing spawn area: 83%"
            echo 'Exception in thread "Server thread" java.lang.OutOfMemoryError: Java heap space' >&2
            echo "	at java.base/java.util.Arrays.copyOf(Arrays.java:3537)" >&2
            exit 1
            """);

        Assert.Equal(CrashClassification.Oom, crash.Classification);
        Assert.Equal(1, crash.ExitCode);
        Assert.Contains("java.lang.OutOfMemoryError: Java heap space", crash.LogTail, StringComparison.Ordinal);
        Assert.False(crash.GaveUp);
    }

    [Fact]
    public async Task Crash_PluginFailsToLoad_IsModOrPluginError()
    {
        var crash = await CrashOfAsync("""
            echo "[12:00:00 INFO]: Loading 2 plugins"
            echo "[12:00:01 ERROR]: Could not load 'plugins/BrokenShop-1.2.jar' in folder 'plugins'"
            echo "org.bukkit.plugin.InvalidPluginException: java.lang.ClassNotFoundException: com.example.shop.Main"
            exit 1
            """);

        Assert.Equal(CrashClassification.ModOrPluginError, crash.Classification);
        Assert.Contains("BrokenShop", crash.LogTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crash_SharedLibraryMissing_IsMissingDependencyAndErrorAtOnce()
    {
        var crash = await CrashOfAsync("""
            echo "./bedrock_server: error while loading shared libraries: libssl.so.1.1: cannot open shared object file: No such file or directory" >&2
            exit 127
            """, expectError: true);

        Assert.Equal(CrashClassification.MissingDependency, crash.Classification);
        Assert.True(crash.GaveUp);
        Assert.Equal(1, crash.ConsecutiveCrashes);
        Assert.Null(crash.RestartDelay);
    }

    [Fact]
    public async Task Crash_JarfileMissing_IsMissingDependency()
    {
        // The real java launcher, pointed at a jar that is not there.
        var crash = await CrashOfAsync("exec java -jar " + _dir.Combine("server", "no-such-server.jar") + " nogui", expectError: true);

        Assert.Equal(CrashClassification.MissingDependency, crash.Classification);
        Assert.Contains("Unable to access jarfile", crash.LogTail, StringComparison.Ordinal);
        Assert.Equal(1, crash.ExitCode);
        Assert.True(crash.GaveUp);
    }

    [Fact]
    public async Task Crash_CommandNotFound_IsMissingDependency()
    {
        var crash = await CrashOfAsync("exec /opt/no-such-runtime/bin/java -jar server.jar", expectError: true);

        Assert.Equal(CrashClassification.MissingDependency, crash.Classification);
        Assert.Equal(127, crash.ExitCode);
    }

    [Fact]
    public async Task Crash_NonzeroExitCode_IsNonzeroExit()
    {
        var crash = await CrashOfAsync("""
            echo "[12:00:00] [Server thread/INFO]: Starting minecraft server version 1.21.1"
            echo "[12:00:00] [Server thread/WARN]: Failed to load eula.txt"
            exit 3
            """);

        Assert.Equal(CrashClassification.NonzeroExit, crash.Classification);
        Assert.Equal(3, crash.ExitCode);
        Assert.Null(crash.Signal);
    }

    [Fact]
    public async Task Crash_KilledBySigkill_IsUnexpectedExitWithSignal()
    {
        await using var harness = new SupervisorHarness(_dir);
        var script = _dir.Script("server.sh", "echo \"Done (1.234s)! For help, type \\\"help\\\"\"\nwhile read line; do :; done");
        var supervisor = await harness.StartedAsync(script);
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        var pid = supervisor.Observe().Pid!.Value;
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("Done", StringComparison.Ordinal), Wait.Patience, "the server is up");

        using (var kill = Process.Start("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var crash = await harness.Events.CrashAsync(1);
        Assert.Equal(CrashClassification.UnexpectedExit, crash.Classification);
        Assert.Equal(9, crash.Signal);
        Assert.Null(crash.ExitCode);
        Assert.Contains("Done (1.234s)!", crash.LogTail, StringComparison.Ordinal);
    }

    private async Task<CrashRecord> CrashOfAsync(string body, bool expectError = false)
    {
        await using var harness = new SupervisorHarness(_dir);
        var script = _dir.Script("server.sh", body);
        var supervisor = await harness.StartedAsync(script);
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        var crash = await harness.Events.CrashAsync(1);
        if (expectError)
        {
            await harness.Events.StateAsync(GameServerState.Error);
            Assert.Equal(GameServerState.Error, supervisor.State);
        }
        else
        {
            Assert.Equal(GameServerState.Crashed, supervisor.State);
        }

        return crash;
    }
}
