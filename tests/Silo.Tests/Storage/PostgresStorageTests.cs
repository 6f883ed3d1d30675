using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Grains.GameServers;
using ZlhGrind.Silo.Storage;
using ZlhGrind.Silo.Tests.Grains;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Storage;

/// <summary>PostgreSQL through the Orleans ADO.NET providers on the project's own schema (a fresh database per class).</summary>
public sealed class PostgresStorageTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    // One service id for every cluster of this class: stored rows belong to a service, and a
    // "new silo" must be the same service to read them back.
    private readonly string _serviceId = "svc-" + Guid.NewGuid().ToString("N")[..8];

    private Task<InProcessTestCluster> ClusterAsync(short silos = 1, IDictionary<string, string?>? extra = null, Action<ISiloBuilder>? configure = null) =>
        TestClusters.StartAsync(TestClusters.Configuration(database.SiloConfiguration(extra)), silos, configureSilo: configure, serviceId: _serviceId);

    [Fact]
    public async Task State_WrittenByOneSilo_IsReadBackByANewSilo()
    {
        var gameId = Ids.Next();
        var devId = Ids.Next();
        string token;
        await using (var first = await ClusterAsync())
        {
            var (game, credential) = await GameAsync(first.Client, id: gameId);
            await ReportStatesAsync(game, credential, Guid.NewGuid(), 1, GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running);
            CallAs.Agent(gameId, credential);
            await game.ReportAsync(new AgentReport(Guid.NewGuid(), [new GameCrashed(1, DateTimeOffset.UnixEpoch, GameServerGrainTests.Crash(3))], 0));
            CallAs.Operator();
            var catalog = first.Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key);
            await catalog.AddAsync(Node("20.0.0"));
            await catalog.AddAsync(Node("22.1.0"));
            await catalog.PromoteAsync("node", "22.1.0");
            CallAs.Gateway();
            var dev = first.Client.GetGrain<IDevContainerGrain>(devId);
            await dev.ProvisionAsync(Alice, new DevContainerSpec("node", null, true));
            token = (await dev.IssueIdeTokenAsync(Alice)).Token;
        }

        await using var second = await ClusterAsync();
        CallAs.Gateway();
        var status = await second.Client.GetGrain<IGameServerGrain>(gameId).GetStatusAsync(Alice);
        var crashes = await second.Client.GetGrain<IGameServerGrain>(gameId).GetCrashesAsync(Alice);
        var redeemed = await second.Client.GetGrain<IDevContainerGrain>(devId).RedeemIdeTokenAsync(token);
        var replay = await second.Client.GetGrain<IDevContainerGrain>(devId).RedeemIdeTokenAsync(token);
        var view = await second.Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).GetAsync();

        Assert.Equal("Running", status.State);
        Assert.Equal(1, status.Crashes.Total);
        Assert.Equal("line 1 of crash 3\nline 2 of crash 3", Assert.Single(crashes).LogTail);
        Assert.Equal(IdeAccessStatus.Accepted, redeemed.Status);
        Assert.Equal(IdeAccessStatus.AlreadyUsed, replay.Status);
        Assert.Equal("22.1.0", view.Promoted["node"]);
        Assert.Equal(2, view.Entries.Count);
        CallAs.Operator();
        Assert.Equal("20.0.0", (await second.Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).RollbackAsync("node")).Promoted["node"]);
    }

    [Fact]
    public async Task Heartbeats_AreNotWritten_TransitionsAre()
    {
        await using var cluster = await ClusterAsync();
        var (game, credential) = await GameAsync(cluster.Client);
        var id = game.GetPrimaryKeyLong();
        var versionSql = "SELECT version FROM orleans_grain_state WHERE grain_type LIKE '%game%' AND (grain_id_n0 = @id OR grain_id_n1 = @id)";
        var afterProvision = await database.ScalarAsync<int>(versionSql, ("id", id));

        CallAs.Agent(id, credential);
        for (var i = 0; i < 20; i++)
        {
            await game.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        }

        var afterHeartbeats = await database.ScalarAsync<int>(versionSql, ("id", id));
        await ReportStatesAsync(game, credential, Guid.NewGuid(), 1, GameServerState.Installing);
        var afterTransition = await database.ScalarAsync<int>(versionSql, ("id", id));

        Assert.Equal(afterProvision, afterHeartbeats);
        Assert.True(afterTransition > afterHeartbeats, $"version {afterTransition} after a transition, {afterHeartbeats} before");
    }

    [Fact]
    public async Task Write_WithStaleETag_IsAConcurrencyConflict()
    {
        await using var cluster = await ClusterAsync();
        var storage = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Containers);
        var grainId = GrainId.Create("gameserver", Ids.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var mine = new GrainState<GameServerRecord>(new GameServerRecord());
        await storage.WriteStateAsync("game", grainId, mine);
        var stale = new GrainState<GameServerRecord>(new GameServerRecord()) { ETag = mine.ETag, RecordExists = true };
        mine.State!.PowerRequest = 1;
        await storage.WriteStateAsync("game", grainId, mine);

        stale.State!.PowerRequest = 2;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("game", grainId, stale));

        var read = new GrainState<GameServerRecord>(new GameServerRecord());
        await storage.ReadStateAsync("game", grainId, read);
        Assert.Equal(1, read.State!.PowerRequest);
    }

    [Fact]
    public async Task Migrate_Twice_IsHarmless()
    {
        var keys = "SELECT count(*) FROM orleansquery";
        var before = await database.ScalarAsync<long>(keys);

        await SchemaMigrator.ApplyAsync(StorageProvider.Postgres, database.ConnectionString);
        await ZlhDbMigrateAsync(database.ConnectionString);
        await ZlhDbMigrateAsync(database.ConnectionString);

        Assert.Equal(before, await database.ScalarAsync<long>(keys));
        string[] required =
        [
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
            "MembershipReadAllKey", "MembershipReadRowKey", "InsertMembershipKey", "InsertMembershipVersionKey", "UpdateMembershipKey",
            "UpdateIAmAlivetimeKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey",
            "ReadReminderRowKey", "ReadReminderRowsKey", "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
            "ReadRangeRows1Key", "ReadRangeRows2Key",
        ];
        foreach (var key in required)
        {
            Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM orleansquery WHERE querykey = @k", ("k", key)));
        }
    }

    [Fact]
    public async Task Watch_SiloRestartedAndAgentNeverBack_ContainerTurnsUnreachableByItself()
    {
        var configuration = TestClusters.Configuration(database.SiloConfiguration());
        var clusterId = "pg-" + Guid.NewGuid().ToString("N")[..8];
        var gameId = Ids.Next();

        var (published, restartedAt) = await WatchRestart.SilentAgentAfterRestartAsync(configuration, gameId, database.ConnectionString, clusterId);

        Assert.Equal(gameId, published.ContainerId);
        Assert.Equal(Connectivity.Unreachable, published.Status.Connectivity);
        Assert.Equal(restartedAt.AddSeconds(15), published.Status.UnreachableSince);
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM orleans_reminder"));
    }

    [Fact]
    public async Task TwoSilos_JoinOneClusterThroughPostgresMembership()
    {
        var configuration = TestClusters.Configuration(database.SiloConfiguration());
        var clusterId = "pg-" + Guid.NewGuid().ToString("N")[..8];
        await using var first = await LocalSilo.StartAsync(configuration, database.ConnectionString, clusterId);
        await using var second = await LocalSilo.StartAsync(configuration, database.ConnectionString, clusterId);
        await using var client = await second.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey)), clusterId);

        var hosts = await client.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);

        Assert.Equal(2, hosts.Count);
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT count(*) FROM orleans_membership WHERE deployment_id = @c AND status = 3", ("c", clusterId)));
    }

    [Fact]
    public async Task SiloStops_ItsContainersComeBackOnAnotherSiloWithEveryCrashRecord()
    {
        await using var cluster = await ClusterAsync(silos: 2);
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var victim = cluster.Silos[1];
        CallAs.Gateway();

        // Placement may favour one silo: provision until the victim hosts at least two (bounded).
        var games = new List<(IGameServerGrain Grain, string Credential)>();
        var onVictimCount = 0;
        for (var i = 0; i < 64 && (games.Count < 6 || onVictimCount < 2); i++)
        {
            var game = await GameAsync(cluster.Client);
            games.Add(game);
            if (await management.GetActivationAddress(game.Grain) == victim.SiloAddress)
            {
                onVictimCount++;
            }
        }

        foreach (var (grain, credential) in games)
        {
            CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
            var crashes = Enumerable.Range(1, 5).Select(n => (AgentEvent)new GameCrashed(n, DateTimeOffset.UnixEpoch, GameServerGrainTests.Crash(n))).ToArray();
            await grain.ReportAsync(new AgentReport(Guid.NewGuid(), crashes, 0));
        }

        var onVictim = new List<IGameServerGrain>();
        CallAs.Gateway();
        foreach (var (grain, _) in games)
        {
            if (await management.GetActivationAddress(grain) == victim.SiloAddress)
            {
                onVictim.Add(grain);
            }
        }

        Assert.NotEmpty(onVictim);
        await cluster.StopSiloAsync(victim);

        CallAs.Gateway();
        foreach (var grain in onVictim)
        {
            var crashes = await grain.GetCrashesAsync(Alice);
            Assert.Equal([5, 4, 3, 2, 1], crashes.Select(c => c.ExitCode!.Value));
            Assert.NotEqual(victim.SiloAddress, await management.GetActivationAddress(grain));
        }
    }

    /// <summary><c>./zlh db migrate</c> as a user runs it, on the silo this test run built (Debug or Release).</summary>
    private static async Task ZlhDbMigrateAsync(string connectionString)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Repo.Root, "zlh"), "db", "migrate"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["ZLH_POSTGRES"] = connectionString;
        info.Environment["ZLH_NO_BUILD"] = "1";
        info.Environment["ZLH_CONFIGURATION"] = Repo.Configuration;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"./zlh db migrate exited {process.ExitCode}: {await stderr}");
    }
}
