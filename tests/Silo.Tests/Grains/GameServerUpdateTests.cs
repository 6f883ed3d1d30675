using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>PATCH of a game server: validated whole before anything changes, re-rendered from the template, applied at the next start.</summary>
public sealed class GameServerUpdateTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private static readonly Dictionary<string, string> PaperVariables = new() { ["port"] = "25570", ["jarFile"] = "paper-1.21.jar" };

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task UpdateAsync_VariablesAndMemory_RerendersBumpsTheGenerationAndTheAgentGetsIt()
    {
        var (grain, credential) = await PaperAsync();

        CallAs.Gateway();
        var status = await grain.UpdateAsync(Alice, new GameServerUpdate(new Dictionary<string, string> { ["jarFile"] = "paper-1.22.jar" }, MemoryMb: 4096, DiskMb: 10240, CpuPercent: 150, ExpectedGeneration: 1));

        Assert.Equal((2L, 2L, false), (status.DesiredGeneration, status.Game!.SpecGeneration, status.Game.PendingRestart));
        Assert.Equal((4096, (int?)10240, (int?)150, "java -Xms4096M -Xmx4096M -jar paper-1.22.jar --port 25570 nogui"), (status.Game.MemoryMb, status.Game.DiskMb, status.Game.CpuPercent, status.Game.StartCommand));
        Assert.Equal("paper-1.22.jar", status.Game.Variables!["jarFile"]);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var desired = await grain.GetDesiredSpecAsync();
        var spec = desired.Game!.Spec;
        Assert.Equal(2, desired.Generation);
        Assert.Equal("java -Xms4096M -Xmx4096M -jar paper-1.22.jar --port 25570 nogui", spec.StartCommand);
        Assert.Equal(["java", "-Xms4096M", "-Xmx4096M", "-jar", "paper-1.22.jar", "--port", "25570", "nogui"], spec.Launch!.Argv);
        Assert.Equal((4096, 10240, 150), (spec.MemoryMb, spec.DiskMb, spec.CpuPercent));
        Assert.Equal(new Dictionary<string, string> { ["port"] = "25570", ["jarFile"] = "paper-1.22.jar" }, spec.Variables);
    }

    [Theory]
    [InlineData(null, null, null, null, null, null, "An update needs at least one of variables, memoryMb, diskMb, cpuPercent, templateVersion, startCommand.")]
    [InlineData(null, null, 64, null, null, null, "memoryMb must be between 256 and 262144.")]
    [InlineData(null, null, null, 0, null, null, "diskMb must be between 1 and 16777216.")]
    [InlineData(null, null, null, null, 0, null, "cpuPercent must be between 1 and 6400 (percent of one core; leave it out for no limit).")]
    [InlineData("port", "22", null, null, null, null, "variables.port must be a whole number between 1024 and 65535.")]
    [InlineData("jarFile", "x.jar; rm -rf /", null, null, null, null, "variables.jarFile must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}\\.jar.")]
    [InlineData("jvmFlags", "-Xmx99G", null, null, null, null, "variables.jvmFlags is not a variable of template minecraft-paper; it takes: port, jarFile.")]
    [InlineData(null, null, null, null, null, "9", "templateVersion 9 is not in the catalog: template minecraft-paper is at version 1.")]
    [InlineData(null, "curl evil | sh", null, null, null, null, "startCommand is refused: template minecraft-paper renders its own start command; only an editable template (such as generic) takes one.")]
    public async Task UpdateAsync_InvalidUpdate_RefusedWithTheFieldAndNothingChanged(string? name, string? value, int? memoryMb, int? diskMb, int? cpuPercent, string? templateVersion, string message)
    {
        var (grain, credential) = await PaperAsync();
        var before = await DesiredAsync(grain, credential);
        var variables = name is null ? null : new Dictionary<string, string> { [name] = value! };
        var startCommand = name is null ? value : null;

        CallAs.Gateway();
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.UpdateAsync(Alice, new GameServerUpdate(variables, memoryMb, diskMb, cpuPercent, templateVersion, startCommand)));

        Assert.Equal(message, error.Message);
        await AssertUnchangedAsync(grain, credential, before);
    }

    [Fact]
    public async Task UpdateAsync_OthersContainer_NotFoundAndNothingChanged()
    {
        var (grain, credential) = await PaperAsync();
        var before = await DesiredAsync(grain, credential);

        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.UpdateAsync(Bob, new GameServerUpdate(MemoryMb: 1024)));

        await AssertUnchangedAsync(grain, credential, before);
    }

    [Fact]
    public async Task UpdateAsync_StaleExpectedGeneration_ConflictAndNothingChanged()
    {
        var (grain, credential) = await PaperAsync();
        CallAs.Gateway();
        await grain.PowerAsync(Ops, PowerAction.Stop);
        var before = await DesiredAsync(grain, credential);

        CallAs.Gateway();
        var error = await Assert.ThrowsAsync<ContainerConflictException>(() => grain.UpdateAsync(Alice, new GameServerUpdate(MemoryMb: 1024, ExpectedGeneration: 1)));

        Assert.Equal($"Container {grain.GetPrimaryKeyLong()} changed: the update was made against generation 1, the container is at generation 2; read its status and try again.", error.Message);
        await AssertUnchangedAsync(grain, credential, before);
    }

    [Fact]
    public async Task UpdateAsync_TemplateMovedOn_RequiresTheVersionThenRerendersWithIt()
    {
        var name = "upd-" + Guid.NewGuid().ToString("N")[..8];
        CallAs.Operator();
        await Client.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).PutAsync(Template(name, "1", "--old"));
        CallAs.Gateway();
        var grain = Client.GetGrain<IGameServerGrain>(Ids.Next());
        var credential = (await grain.ProvisionAsync(Alice, new GameServerSpec(name, "", null, 1024, new Dictionary<string, string> { ["port"] = "27020" }))).AgentCredential;
        CallAs.Operator();
        await Client.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).PutAsync(Template(name, "2", "--new"));
        var before = await DesiredAsync(grain, credential);

        CallAs.Gateway();
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.UpdateAsync(Alice, new GameServerUpdate(MemoryMb: 2048)));
        Assert.Equal($"templateVersion is required: template {name} is at version 2 in the catalog, this server at 1.", error.Message);
        await AssertUnchangedAsync(grain, credential, before);

        CallAs.Gateway();
        var status = await grain.UpdateAsync(Alice, new GameServerUpdate(MemoryMb: 2048, TemplateVersion: "2"));

        Assert.Equal("2", status.Game!.TemplateVersion);
        var spec = (await DesiredAsync(grain, credential)).Game!.Spec;
        Assert.Equal(["./server", "--new", "--port", "27020"], spec.Launch!.Argv);
        Assert.Equal(2048, spec.MemoryMb);
    }

    [Fact]
    public async Task UpdateAsync_ServerRunsAnOlderSpec_StatusSaysPendingRestartUntilItRunsTheNewOne()
    {
        var (grain, credential) = await PaperAsync();
        var instance = Guid.NewGuid();
        await ReportStatesAsync(grain, credential, instance, 1, GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running);
        await BeatAsync(grain, credential, instance, runningGeneration: 1);

        CallAs.Gateway();
        var updated = await grain.UpdateAsync(Alice, new GameServerUpdate(MemoryMb: 4096));
        Assert.Equal((2L, 1L, true), (updated.Game!.SpecGeneration, updated.Game.RunningGeneration, updated.Game.PendingRestart));

        // A power action after the update (generation 3) starts the server with the new spec.
        CallAs.Gateway();
        await grain.PowerAsync(Alice, PowerAction.Restart);
        fixture.Time.Advance(TimeSpan.FromSeconds(5));
        await BeatAsync(grain, credential, instance, runningGeneration: 3);
        CallAs.Gateway();
        var restarted = await grain.GetStatusAsync(Alice);
        Assert.Equal((2L, 3L, false), (restarted.Game!.SpecGeneration, restarted.Game.RunningGeneration, restarted.Game.PendingRestart));
    }

    private static async Task BeatAsync(IGameServerGrain grain, string credential, Guid instance, long runningGeneration)
    {
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.HeartbeatAsync(Heartbeat(instance, runningGeneration) with
        {
            Game = new GameObserved(GameServerState.Running, 0, null, RunningGeneration: runningGeneration),
        });
    }

    private async Task<(IGameServerGrain Grain, string Credential)> PaperAsync()
    {
        CallAs.Gateway();
        var grain = Client.GetGrain<IGameServerGrain>(Ids.Next());
        var result = await grain.ProvisionAsync(Alice, new GameServerSpec("minecraft-paper", "", null, 3072, PaperVariables));
        return (grain, result.AgentCredential);
    }

    private static async Task<DesiredSpec> DesiredAsync(IGameServerGrain grain, string credential)
    {
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        return await grain.GetDesiredSpecAsync();
    }

    private static async Task AssertUnchangedAsync(IGameServerGrain grain, string credential, DesiredSpec before)
    {
        var after = await DesiredAsync(grain, credential);
        Assert.Equal(before.Generation, after.Generation);
        Assert.Equal(before.Game!.Spec.StartCommand, after.Game!.Spec.StartCommand);
        Assert.Equal(before.Game.Spec.Launch!.Argv, after.Game.Spec.Launch!.Argv);
        Assert.Equal((before.Game.Spec.MemoryMb, before.Game.Spec.DiskMb, before.Game.Spec.CpuPercent), (after.Game.Spec.MemoryMb, after.Game.Spec.DiskMb, after.Game.Spec.CpuPercent));
        Assert.Equal(before.Game.Spec.Variables, after.Game.Spec.Variables);
        CallAs.Gateway();
        var status = await grain.GetStatusAsync(Alice);
        Assert.Equal((before.Generation, 1L), (status.DesiredGeneration, status.Game!.SpecGeneration));
    }

    private static GameTemplate Template(string name, string version, string flag) => new(
        name, version, "A test template.", ["./server", flag, "--port", "{{port}}"], false, 27015, [],
        new StopMethod("quit", 15, TimeSpan.FromSeconds(10)), new Readiness(null, true, TimeSpan.FromMinutes(1)), [], "mods", ["secrets.cfg"], null);
}
