using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Tests.Grains;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Hostile;

/// <summary>
/// Oversized input from a hostile agent is refused and does not stay behind in the silo's memory. The heap is the
/// whole test process's, so this class runs alone (<see cref="ProcessHeapCollection"/>): another class's cluster
/// starting in parallel would otherwise be counted against it.
/// </summary>
[Collection(ProcessHeapCollection.Name)]
public sealed class OversizedInputTests(HostileTenantFixture fixture) : IClassFixture<HostileTenantFixture>
{
    [Fact]
    public async Task AgentOfA_OversizedInput_RefusedNamingTheFieldNothingStoredMemoryBounded()
    {
        var a = fixture.AgentA.GetGrain<IGameServerGrain>(fixture.A);
        var instance = Guid.NewGuid();
        var before = await fixture.ViewAsync(fixture.A);
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var installs = Enumerable.Range(1, 2000)
            .Select(i => (AgentEvent)new RuntimeInstallFinished(i, DateTimeOffset.UnixEpoch, "node", "22." + i, Succeeded: false, new string('e', 1000)))
            .ToArray();

        await InputRefusedAsync(() => a.ReportAsync(new AgentReport(instance, installs, 0)), "report.events has 2000 entries; at most 100 are taken.");
        await InputRefusedAsync(
            () => a.HeartbeatAsync(Heartbeat(instance) with { AgentVersion = new string('v', 5 * 1024 * 1024) }).AsTask(), "heartbeat.agentVersion is 5242880 characters; at most 64 are taken.");
        await InputRefusedAsync(
            () => a.HeartbeatAsync(Heartbeat(instance) with { Dev = new DevObserved(DevContainerState.Ready, CodeServerState.Running, null, RefusedCallsTests.ManyRuntimes(20_000), null) }).AsTask(),
            "heartbeat.dev.runtimes has 20000 entries; at most 64 are taken.");
        await InputRefusedAsync(
            () => a.ConnectAgentAsync(new AgentHello(instance, new string('v', 1024 * 1024), DateTimeOffset.UnixEpoch), fixture.AgentA.CreateObjectReference<IAgentObserver>(new RecordingObserver())),
            "hello.agentVersion is 1048576 characters; at most 64 are taken.");
        var ack = await a.ReportAsync(new AgentReport(
            instance,
            [
                new GameStateChanged(1, DateTimeOffset.UnixEpoch, GameServerState.Error, new string('r', 1024 * 1024)),
                new GameCrashed(2, DateTimeOffset.UnixEpoch, GameServerGrainTests.Crash(2) with { LogTail = new string('t', 2 * 1024 * 1024) }),
            ],
            0));

        Assert.Equal(
            ["#1: reason is 1048576 characters; at most 4096 are taken.", "#2: crash.logTail is 2097152 characters; at most 16384 are taken."],
            ack.Rejected);
        Assert.Equal(before, await fixture.ViewAsync(fixture.A));

        // A sanity bound, not a measurement: the refused payloads (about 20 MB on the wire) must not stay behind.
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(grown < 64L * 1024 * 1024, $"managed heap grew by {grown} bytes");

        async Task InputRefusedAsync(Func<Task> call, string message)
        {
            var error = await Assert.ThrowsAsync<InvalidRequestException>(call);
            Assert.Equal(message, error.Message);
        }
    }
}
