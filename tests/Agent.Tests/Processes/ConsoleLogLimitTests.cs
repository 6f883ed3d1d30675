using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Processes;

public sealed class ConsoleLogLimitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunningServer_LogOverLimit_RotatedAndServerKeepsWritingAtTheStart()
    {
        await using var harness = new SupervisorHarness(_dir, logLimit: new ConsoleLogLimit(4096, TimeSpan.FromMilliseconds(50)));
        var supervisor = await harness.StartedAsync(_dir.Script("chatty.sh", """
            i=0
            while [ $i -lt 100 ]; do echo "line $i of chatter, padded to make the log grow past its limit quickly"; i=$((i+1)); done
            while read line; do echo "> $line"; done
            """));
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        await Wait.UntilAsync(() => File.Exists(harness.Run.PreviousConsoleLog), Wait.Patience, "the log is rotated");
        await supervisor.SendConsoleAsync("after rotation", CancellationToken.None);
        await Wait.UntilAsync(() => File.ReadAllText(harness.Run.ConsoleLog).Contains("> after rotation", StringComparison.Ordinal), Wait.Patience, "the server writes on");

        Assert.Contains("line 99 of chatter", File.ReadAllText(harness.Run.PreviousConsoleLog), StringComparison.Ordinal);
        var current = File.ReadAllText(harness.Run.ConsoleLog);
        Assert.True(current.Length < 4096, $"{current.Length} bytes");
        Assert.StartsWith("> after rotation", current, StringComparison.Ordinal);
        Assert.Equal(GameServerState.Running, supervisor.State);
    }

    [Fact]
    public void Apply_UnderLimit_LeavesTheLogAlone()
    {
        var run = new RunDirectory(_dir.Path);
        File.WriteAllText(run.ConsoleLog, "short\n");

        Assert.False(new ConsoleLogLimit(4096, TimeSpan.FromSeconds(1)).Apply(run));
        Assert.Equal("short\n", File.ReadAllText(run.ConsoleLog));
        Assert.False(File.Exists(run.PreviousConsoleLog));
    }
}
