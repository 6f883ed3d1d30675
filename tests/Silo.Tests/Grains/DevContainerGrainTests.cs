using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

public sealed class DevContainerGrainTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task Provision_UnknownRuntime_IsRefusedAndNothingIsCreated()
    {
        CallAs.Gateway();
        var grain = Client.GetGrain<IDevContainerGrain>(Ids.Next());

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ProvisionAsync(Alice, new DevContainerSpec("cobol", null, true)));

        Assert.Contains("Unknown runtime 'cobol'", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Ops));
    }

    [Fact]
    public async Task Provision_PromotedRuntime_DesiredSpecCarriesTheResolvedCatalogEntry()
    {
        var (grain, credential) = await DevAsync(Client);

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var spec = await grain.GetDesiredSpecAsync();

        Assert.Equal(1, spec.Generation);
        Assert.Null(spec.Game);
        Assert.Equal(Node() with { VerifyCommand = [] }, spec.Dev!.Runtime with { VerifyCommand = [] });
        Assert.Equal(["bin/node", "--version"], spec.Dev.Runtime.VerifyCommand);
        Assert.Equal(new DevContainerSpec("node", "22.1.0", true), spec.Dev.Spec);
        Assert.True(spec.Dev.CodeServerRunning);
    }

    [Fact]
    public async Task Report_InstallThenReady_ProvisioningCompleteAndIdeEndpointKnown()
    {
        var (grain, credential) = await DevAsync(Client);
        var id = grain.GetPrimaryKeyLong();
        var instance = Guid.NewGuid();

        CallAs.Agent(id, credential);
        var ack = await grain.ReportAsync(new AgentReport(
            instance,
            [
                new DevStateChanged(1, DateTimeOffset.UnixEpoch, DevContainerState.Installing, null),
                new RuntimeInstallFinished(2, DateTimeOffset.UnixEpoch, "node", "22.1.0", true, null),
                new CodeServerChanged(3, DateTimeOffset.UnixEpoch, CodeServerState.Running, "127.0.0.1:8080", null),
                new DevStateChanged(4, DateTimeOffset.UnixEpoch, DevContainerState.Ready, null),
            ],
            0));

        Assert.Null(ack.Rejected);
        CallAs.Gateway();
        var status = await grain.GetStatusAsync(Alice);
        Assert.Equal("Ready", status.State);
        Assert.True(status.Dev!.ProvisioningComplete);
        Assert.Equal("Running", status.Dev.CodeServer);
        Assert.Equal("127.0.0.1:8080", status.Dev.IdeEndpoint);
        Assert.Equal([new InstalledRuntime("node", "22.1.0", true)], status.Dev.InstalledRuntimes);
    }

    [Fact]
    public async Task Report_GameEventOnDevContainer_IsRefused()
    {
        var (grain, credential) = await DevAsync(Client);

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var ack = await grain.ReportAsync(new AgentReport(
            Guid.NewGuid(),
            [new GameStateChanged(1, DateTimeOffset.UnixEpoch, ZlhGrind.Grains.GameServers.GameServerState.Running, null)],
            0));

        Assert.Contains("does not take GameStateChanged", Assert.Single(ack.Rejected!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeServer_Stop_BumpsGenerationAndDesiredSpecSaysStopped()
    {
        var (grain, credential) = await DevAsync(Client);

        CallAs.Gateway();
        var status = await grain.CodeServerAsync(Alice, CodeServerAction.Stop);

        Assert.Equal(2, status.DesiredGeneration);
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var spec = await grain.GetDesiredSpecAsync();
        Assert.False(spec.Dev!.CodeServerRunning);
        Assert.Equal(1, spec.Dev.CodeServerRequest);
        Assert.Equal(CodeServerAction.Stop, spec.Dev.LastCodeServerAction);
    }

    [Fact]
    public async Task IdeToken_RedeemedOnce_SecondRedeemIsAReplay()
    {
        var (grain, _) = await DevAsync(Client);
        CallAs.Gateway();
        var grant = await grain.IssueIdeTokenAsync(Alice);
        Assert.Equal(fixture.Time.GetUtcNow().AddSeconds(60), grant.ExpiresAt);

        var first = await grain.RedeemIdeTokenAsync(grant.Token);
        var replay = await grain.RedeemIdeTokenAsync(grant.Token);

        Assert.Equal(IdeAccessStatus.Accepted, first.Status);
        Assert.Equal(43, first.SessionId!.Length);
        Assert.Equal(fixture.Time.GetUtcNow().AddHours(12), first.ExpiresAt);
        Assert.Equal(new IdeRedeemResult(IdeAccessStatus.AlreadyUsed, null, null), replay);
    }

    [Fact]
    public async Task IdeToken_AfterSixtySeconds_IsExpired()
    {
        var (grain, _) = await DevAsync(Client);
        CallAs.Gateway();
        var grant = await grain.IssueIdeTokenAsync(Alice);

        fixture.Time.Advance(TimeSpan.FromSeconds(60));
        var result = await grain.RedeemIdeTokenAsync(grant.Token);

        Assert.Equal(IdeAccessStatus.Expired, result.Status);
        Assert.Null(result.SessionId);
    }

    [Fact]
    public async Task IdeToken_JustBeforeExpiry_IsAccepted()
    {
        var (grain, _) = await DevAsync(Client);
        CallAs.Gateway();
        var grant = await grain.IssueIdeTokenAsync(Alice);

        fixture.Time.Advance(TimeSpan.FromSeconds(59));

        Assert.Equal(IdeAccessStatus.Accepted, (await grain.RedeemIdeTokenAsync(grant.Token)).Status);
    }

    [Fact]
    public async Task IdeToken_UnknownOrForged_IsUnknown()
    {
        var (grain, _) = await DevAsync(Client);
        CallAs.Gateway();
        await grain.IssueIdeTokenAsync(Alice);

        Assert.Equal(IdeAccessStatus.Unknown, (await grain.RedeemIdeTokenAsync("not-a-token")).Status);
        Assert.Equal(IdeAccessStatus.Unknown, (await grain.RedeemIdeTokenAsync(new string('x', 5000))).Status);
    }

    [Fact]
    public async Task IdeToken_NonOwner_CannotIssue()
    {
        var (grain, _) = await DevAsync(Client);

        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.IssueIdeTokenAsync(Bob));
    }

    [Fact]
    public async Task IdeToken_CodeServerDisabled_IsAConflict()
    {
        var (grain, _) = await DevAsync(Client, codeServer: false);

        CallAs.Gateway();
        await Assert.ThrowsAsync<ContainerConflictException>(() => grain.IssueIdeTokenAsync(Alice));
    }

    [Fact]
    public async Task IdeSession_ResolvesUntilRevokedAndNotOnAnotherContainer()
    {
        var (a, credentialA) = await DevAsync(Client);
        var (b, _) = await DevAsync(Client);
        CallAs.Agent(a.GetPrimaryKeyLong(), credentialA);
        await a.ReportAsync(new AgentReport(Guid.NewGuid(), [new CodeServerChanged(1, DateTimeOffset.UnixEpoch, CodeServerState.Running, "10.0.0.7:8080", null)], 0));
        CallAs.Gateway();
        var session = (await a.RedeemIdeTokenAsync((await a.IssueIdeTokenAsync(Alice)).Token)).SessionId!;

        var beforeAddress = await a.ResolveIdeSessionAsync(session);
        CallAs.Operator();
        await a.SetIdeAddressAsync(Ops, "10.0.0.9");
        CallAs.Gateway();
        var valid = await a.ResolveIdeSessionAsync(session);
        var elsewhere = await b.ResolveIdeSessionAsync(session);
        var revoked = await a.RevokeIdeSessionsAsync(Alice);
        var afterRevoke = await a.ResolveIdeSessionAsync(session);

        // The agent's claim is never the upstream: only the address the platform set is.
        Assert.Null(beforeAddress.Upstream);
        Assert.Equal(IdeAccessStatus.Accepted, valid.Status);
        Assert.Equal("10.0.0.9", valid.Upstream);
        Assert.Equal(CodeServerState.Running, valid.CodeServer);
        Assert.Equal(IdeAccessStatus.Unknown, elsewhere.Status);
        Assert.Equal(1, revoked);
        Assert.Equal(IdeAccessStatus.Revoked, afterRevoke.Status);
    }

    [Fact]
    public async Task SetIdeAddress_NotOperatorOrNotAnAddress_RefusedAndNothingChanged()
    {
        var (grain, _) = await DevAsync(Client);
        CallAs.Operator();
        await grain.SetIdeAddressAsync(Ops, "10.0.0.9:8443");
        CallAs.Gateway();
        var session = (await grain.RedeemIdeTokenAsync((await grain.IssueIdeTokenAsync(Alice)).Token)).SessionId!;

        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.SetIdeAddressAsync(Alice, "169.254.169.254"));
        CallAs.Operator();
        var invalid = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.SetIdeAddressAsync(Ops, "metadata.internal"));
        CallAs.Gateway();

        Assert.Equal("The address must be an IP address, optionally with a port (10.0.3.7 or 10.0.3.7:8080).", invalid.Message);
        Assert.Equal("10.0.0.9:8443", (await grain.ResolveIdeSessionAsync(session)).Upstream);
    }

    [Fact]
    public async Task IdeSession_HeartbeatOlderThanTheLatestEvent_TheEventWins()
    {
        var (grain, credential) = await DevAsync(Client);
        var instance = Guid.NewGuid();
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var starting = new DevObserved(DevContainerState.Installing, CodeServerState.Starting, "127.0.0.1:8080", [], null);
        await grain.HeartbeatAsync(Heartbeat(instance) with { Dev = starting, SentAt = DateTimeOffset.UnixEpoch.AddSeconds(1) });
        await grain.ReportAsync(new AgentReport(
            instance,
            [
                new RuntimeInstallFinished(1, DateTimeOffset.UnixEpoch.AddSeconds(2), "node", "22.1.0", true, null),
                new CodeServerChanged(2, DateTimeOffset.UnixEpoch.AddSeconds(2), CodeServerState.Running, "127.0.0.1:8080", null),
            ],
            0));
        CallAs.Gateway();
        var session = (await grain.RedeemIdeTokenAsync((await grain.IssueIdeTokenAsync(Alice)).Token)).SessionId!;

        var lookup = await grain.ResolveIdeSessionAsync(session);

        Assert.Equal(CodeServerState.Running, lookup.CodeServer);
        var dev = (await grain.GetStatusAsync(Alice)).Dev!;
        Assert.Equal("Running", dev.CodeServer);
        Assert.Equal([new InstalledRuntime("node", "22.1.0", true)], dev.InstalledRuntimes);

        // A heartbeat sent after the event is newer news: code-server stopped since.
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        await grain.HeartbeatAsync(Heartbeat(instance) with { Dev = starting with { CodeServer = CodeServerState.Stopped }, SentAt = DateTimeOffset.UnixEpoch.AddSeconds(3) });
        CallAs.Gateway();
        Assert.Equal(CodeServerState.Stopped, (await grain.ResolveIdeSessionAsync(session)).CodeServer);
    }

    [Fact]
    public async Task IdeSession_AfterItsLifetime_IsExpired()
    {
        var (grain, _) = await DevAsync(Client);
        CallAs.Gateway();
        var session = (await grain.RedeemIdeTokenAsync((await grain.IssueIdeTokenAsync(Alice)).Token)).SessionId!;

        fixture.Time.Advance(TimeSpan.FromHours(12));

        Assert.Equal(IdeAccessStatus.Expired, (await grain.ResolveIdeSessionAsync(session)).Status);
    }
}
