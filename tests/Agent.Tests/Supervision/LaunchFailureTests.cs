using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Supervision;

public sealed class LaunchFailureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PowerAsync_ShimCannotCreateConsoleFifo_ErrorWithReasonAndNoCrashRecord()
    {
        await using var harness = new SupervisorHarness(_dir);
        var supervisor = await harness.StartedAsync(_dir.Script("server.sh", "echo never"));

        // Something occupies the FIFO's name that the shim cannot remove.
        Directory.CreateDirectory(Path.Combine(harness.Run.ConsoleInput, "occupied"));
        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        Assert.Equal(GameServerState.Error, supervisor.State);
        var error = harness.Events.All.OfType<GameStateChanged>().Last();
        Assert.Equal(GameServerState.Error, error.State);
        Assert.Contains("could not launch: The shim ended before starting the server (exit code 90)", error.Reason, StringComparison.Ordinal);
        Assert.Empty(harness.Events.Crashes);
        Assert.False(File.Exists(harness.Run.ConsoleLog));
    }

    [Fact]
    public async Task PowerAsync_NoSpecYet_ErrorSaysSo()
    {
        await using var harness = new SupervisorHarness(_dir);
        var supervisor = harness.Create();
        await supervisor.StartAsync();

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);

        Assert.Equal(GameServerState.Error, supervisor.State);
        Assert.Equal("no game server spec received yet", harness.Events.All.OfType<GameStateChanged>().Last().Reason);
    }
}
