using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Tests.Grains;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Storage;

/// <summary>The embedded default: real silo hosts on a SQLite file, real clients with the real outgoing filters.</summary>
public sealed class SqliteStorageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("zlh-sqlite-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Silo_RestartedOnTheSameFile_KeepsItsContainers()
    {
        var configuration = TestClusters.Configuration(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(_directory, "silo.db"),
        });
        const long gameId = 4100;
        const long devId = 4101;

        await using (var silo = await LocalSilo.StartAsync(configuration))
        {
            await using var gateway = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey)));
            var provisioned = await gateway.Client.GetGrain<IGameServerGrain>(gameId).ProvisionAsync(Alice, Minecraft);
            using (OperatorScope.Enter())
            {
                await gateway.Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(Node());
            }

            await gateway.Client.GetGrain<IDevContainerGrain>(devId).ProvisionAsync(Bob, new DevContainerSpec("node", null, true));

            await using var agent = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new AgentCredentialCallFilter(gameId, provisioned.AgentCredential)));
            var game = agent.Client.GetGrain<IGameServerGrain>(gameId);
            await game.ReportAsync(new AgentReport(
                Guid.NewGuid(),
                [
                    new GameStateChanged(1, DateTimeOffset.UnixEpoch, GameServerState.Installing, null),
                    new GameStateChanged(2, DateTimeOffset.UnixEpoch, GameServerState.Stopped, null),
                    new GameCrashed(3, DateTimeOffset.UnixEpoch, GameServerGrainTests.Crash(7)),
                ],
                0));

            // The agent's credential opens its own container only.
            await Assert.ThrowsAsync<CallerRejectedException>(() => game.GetStatusAsync(Alice));
            await Assert.ThrowsAsync<CallerRejectedException>(() => agent.Client.GetGrain<IDevContainerGrain>(devId).GetDesiredSpecAsync());
        }

        await using (var silo = await LocalSilo.StartAsync(configuration))
        {
            await using var gateway = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey)));
            var game = await gateway.Client.GetGrain<IGameServerGrain>(gameId).GetStatusAsync(Alice);
            var crashes = await gateway.Client.GetGrain<IGameServerGrain>(gameId).GetCrashesAsync(Alice);
            var dev = await gateway.Client.GetGrain<IDevContainerGrain>(devId).GetStatusAsync(Bob);
            var listed = await gateway.Client.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).ListAsync(Ops, null);

            Assert.Equal("Stopped", game.State);
            Assert.Equal(7, Assert.Single(crashes).ExitCode);
            Assert.Equal("line 1 of crash 7\nline 2 of crash 7", crashes[0].LogTail);
            Assert.Equal("node", dev.Dev!.Runtime);
            Assert.Equal([gameId, devId], listed.Select(c => c.ContainerId));
        }
    }

    [Fact]
    public async Task Silo_RestartedOnTheSameFile_KeepsTheMinuteUsagePoints()
    {
        var configuration = TestClusters.Configuration(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(_directory, "silo.db"),
        });
        const long gameId = 4120;
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        UsagePoint[] minute = [new(now.AddMinutes(-3), 12.5, 100_000_000, 5_000), new(now.AddMinutes(-2), 50, 200_000_000, 6_000), new(now.AddMinutes(-1), 0.1, 150_000_000, 7_000)];

        await using (var silo = await LocalSilo.StartAsync(configuration))
        {
            await using var gateway = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey)));
            var provisioned = await gateway.Client.GetGrain<IGameServerGrain>(gameId).ProvisionAsync(Alice, Minecraft);
            await using var agent = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new AgentCredentialCallFilter(gameId, provisioned.AgentCredential)));
            await agent.Client.GetGrain<IGameServerGrain>(gameId).ReportUsageAsync(new UsageReport(minute, [new(now, 99, 1, 1)]));
            var before = await gateway.Client.GetGrain<IGameServerGrain>(gameId).GetUsageAsync(Alice, UsageResolution.Minute);
            Assert.Equal(minute, before.Points);
        }

        await using (var silo = await LocalSilo.StartAsync(configuration))
        {
            await using var gateway = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey)));
            var game = gateway.Client.GetGrain<IGameServerGrain>(gameId);

            var kept = await game.GetUsageAsync(Alice, UsageResolution.Minute);
            var fast = await game.GetUsageAsync(Alice, UsageResolution.Fast);

            Assert.Equal(minute, kept.Points);
            // 5-second points live in memory only.
            Assert.Empty(fast.Points);
        }
    }

    [Fact]
    public async Task Watch_SiloRestartedAndAgentNeverBack_ContainerTurnsUnreachableByItself()
    {
        var configuration = TestClusters.Configuration(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(_directory, "silo.db"),
        });

        var (published, restartedAt) = await WatchRestart.SilentAgentAfterRestartAsync(configuration, 4110);

        Assert.Equal(4110, published.ContainerId);
        Assert.Equal(Connectivity.Unreachable, published.Status.Connectivity);
        Assert.Equal(restartedAt.AddSeconds(15), published.Status.UnreachableSince);
        Assert.Equal("agent unreachable", published.Summary);
    }
}
