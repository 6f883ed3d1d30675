using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>PATCH of a dev container: a catalog version and code-server on/off go to the agent at once; a refused update changes nothing.</summary>
public sealed class DevContainerUpdateTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task UpdateAsync_VersionCodeServerOffAndIdleTimeout_TheAgentGetsTheEntryAndANumberedStop()
    {
        var (grain, credential) = await DevAsync(Client);
        CallAs.Operator();
        await Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(Node("23.0.0"));

        CallAs.Gateway();
        var status = await grain.UpdateAsync(Alice, new DevContainerUpdate("23.0.0", EnableCodeServer: false, IdleTimeout: TimeSpan.FromMinutes(30), DiskMb: 2048, ExpectedGeneration: 1));

        Assert.Equal((2L, "23.0.0", false), (status.DesiredGeneration, status.Dev!.RuntimeVersion, status.Dev.CodeServerEnabled));
        Assert.Equal(((int?)2048, (TimeSpan?)TimeSpan.FromMinutes(30)), (status.Dev.DiskMb, status.Dev.IdleTimeout));
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var dev = (await grain.GetDesiredSpecAsync()).Dev!;
        Assert.Equal((Node("23.0.0").Version, Node("23.0.0").ArtifactUrl), (dev.Runtime.Version, dev.Runtime.ArtifactUrl));
        Assert.Equal(new DevContainerSpec("node", "23.0.0", false, TimeSpan.FromMinutes(30), 2048), dev.Spec);
        Assert.Equal((false, 1L, (CodeServerAction?)CodeServerAction.Stop), (dev.CodeServerRunning, dev.CodeServerRequest, dev.LastCodeServerAction));
    }

    [Theory]
    [InlineData(null, null, null, null, "An update needs at least one of version, enableCodeServer, idleTimeoutMinutes, diskMb.")]
    [InlineData("99.0.0", null, null, null, "Runtime 'node' has no version '99.0.0'. Known: 22.1.0, 23.0.0.")]
    [InlineData("", null, null, null, "version must be 1-32 characters.")]
    [InlineData(null, null, -1, null, "The idle timeout must be between 0 (never) and 7.00:00:00.")]
    [InlineData(null, null, null, 0, "diskMb must be between 1 and 16777216.")]
    public async Task UpdateAsync_InvalidUpdate_RefusedAndNothingChanged(string? version, bool? codeServer, int? idleMinutes, int? diskMb, string message)
    {
        var (grain, credential) = await DevAsync(Client);
        CallAs.Operator();
        await Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(Node("23.0.0"));
        var before = await DesiredAsync(grain, credential);
        var idle = idleMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;

        CallAs.Gateway();
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.UpdateAsync(Alice, new DevContainerUpdate(version, codeServer, idle, diskMb)));

        Assert.Equal(message, error.Message);
        AssertSame(before, await DesiredAsync(grain, credential));
    }

    [Fact]
    public async Task UpdateAsync_OthersContainerOrStaleGeneration_RefusedAndNothingChanged()
    {
        var (grain, credential) = await DevAsync(Client);
        var before = await DesiredAsync(grain, credential);

        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.UpdateAsync(Bob, new DevContainerUpdate(EnableCodeServer: false)));
        CallAs.Gateway();
        var conflict = await Assert.ThrowsAsync<ContainerConflictException>(() => grain.UpdateAsync(Alice, new DevContainerUpdate(EnableCodeServer: false, ExpectedGeneration: 7)));

        Assert.Equal($"Container {grain.GetPrimaryKeyLong()} changed: the update was made against generation 7, the container is at generation 1; read its status and try again.", conflict.Message);
        AssertSame(before, await DesiredAsync(grain, credential));
    }

    [Fact]
    public async Task Report_FailedUpgradeRolledBack_ReadyWithTheReasonAsTheLastError()
    {
        var (grain, credential) = await DevAsync(Client);
        var instance = Guid.NewGuid();
        var at = DateTimeOffset.UnixEpoch;
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.ReportAsync(new ZlhGrind.Grains.Agents.AgentReport(instance, [
            new ZlhGrind.Grains.Agents.DevStateChanged(1, at, DevContainerState.Installing, "installing node 22.1.0"),
            new ZlhGrind.Grains.Agents.RuntimeInstallFinished(2, at, "node", "22.1.0", true, "installed and verified: v22.1.0"),
            new ZlhGrind.Grains.Agents.DevStateChanged(3, at, DevContainerState.Ready, "node 22.1.0 installed and verified"),
            new ZlhGrind.Grains.Agents.DevStateChanged(4, at, DevContainerState.Installing, "installing node 23.0.0"),
            new ZlhGrind.Grains.Agents.DevStateChanged(5, at, DevContainerState.Ready, "upgrade to node 23.0.0 failed, rolled back to node 22.1.0"),
            new ZlhGrind.Grains.Agents.RuntimeInstallFinished(6, at, "node", "23.0.0", false, "upgrade failed, rolled back to 22.1.0: artifact has sha256 x but the catalog says y; refused"),
        ], 0));

        CallAs.Gateway();
        var status = await grain.GetStatusAsync(Alice);
        Assert.Equal("Ready", status.State);
        Assert.Equal("node 23.0.0: upgrade failed, rolled back to 22.1.0: artifact has sha256 x but the catalog says y; refused", status.LastError);
        Assert.Equal([new InstalledRuntime("node", "22.1.0", true)], status.Dev!.InstalledRuntimes);
    }

    private static void AssertSame(ZlhGrind.Grains.Agents.DesiredSpec before, ZlhGrind.Grains.Agents.DesiredSpec after)
    {
        Assert.Equal(before.Generation, after.Generation);
        Assert.Equal(before.Dev!.Spec, after.Dev!.Spec);
        Assert.Equal(before.Dev.Runtime.Version, after.Dev.Runtime.Version);
        Assert.Equal((before.Dev.CodeServerRunning, before.Dev.CodeServerRequest, before.Dev.LastCodeServerAction), (after.Dev.CodeServerRunning, after.Dev.CodeServerRequest, after.Dev.LastCodeServerAction));
    }

    private static async Task<ZlhGrind.Grains.Agents.DesiredSpec> DesiredAsync(IDevContainerGrain grain, string credential)
    {
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        return await grain.GetDesiredSpecAsync();
    }
}
