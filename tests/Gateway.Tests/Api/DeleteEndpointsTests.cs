using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Api;

/// <summary><c>DELETE /api/servers/{id}</c> and <c>DELETE /api/dev/{id}</c> (issue 14): exact statuses and bodies.</summary>
[Collection(GatewayCollection.Name)]
public sealed class DeleteEndpointsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task DeleteServer_AgentNeverConnected_200DeletedThen404EverywhereAndAgain()
    {
        var id = await ProvisionGameAsync("del-owner");
        using var owner = fixture.CreateClient(TestTokens.For("del-owner"));

        var response = await owner.DeleteAsync($"/api/servers/{id}");
        var status = await response.Content.ReadFromJsonAsync<ContainerStatus>(Json.Options);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Deleted", status!.State);
        Assert.Equal(id, status.ContainerId);
        await AssertNotFoundAsync(await owner.GetAsync($"/api/servers/{id}/status"));
        await AssertNotFoundAsync(await owner.DeleteAsync($"/api/servers/{id}"));
        await AssertNotFoundAsync(await owner.GetAsync($"/api/servers/{id}/crashes"));
        var listed = await owner.GetFromJsonAsync<ContainerSummary[]>("/api/servers", Json.Options);
        Assert.DoesNotContain(listed!, c => c.ContainerId == id);
    }

    [Fact]
    public async Task DeleteServer_AnotherUser_404AndTheContainerIsUntouched()
    {
        var id = await ProvisionGameAsync("del-victim");
        using var victim = fixture.CreateClient(TestTokens.For("del-victim"));
        using var mallory = fixture.CreateClient(TestTokens.For("del-mallory"));
        var before = await victim.GetStringAsync($"/api/servers/{id}/status");

        await AssertNotFoundAsync(await mallory.DeleteAsync($"/api/servers/{id}"));
        await AssertNotFoundAsync(await mallory.DeleteAsync($"/api/servers/{id}?keepData=true"));

        Assert.Equal(before, await victim.GetStringAsync($"/api/servers/{id}/status"));
    }

    [Fact]
    public async Task DeleteServer_KeepDataNotABoolean_400AndNothingChanges()
    {
        var id = await ProvisionGameAsync("del-bad");
        using var owner = fixture.CreateClient(TestTokens.For("del-bad"));
        var before = await owner.GetStringAsync($"/api/servers/{id}/status");

        var response = await owner.DeleteAsync($"/api/servers/{id}?keepData=maybe");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("keepData must be true or false.", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(before, await owner.GetStringAsync($"/api/servers/{id}/status"));
    }

    [Fact]
    public async Task DeleteDev_ThroughTheServersRoute_404AndNothingChanges()
    {
        var (id, _) = await fixture.ProvisionDevAsync("del-kind");
        using var owner = fixture.CreateClient(TestTokens.For("del-kind"));
        var before = await owner.GetStringAsync($"/api/servers/{id}/status");

        await AssertNotFoundAsync(await owner.DeleteAsync($"/api/servers/{id}"));

        Assert.Equal(before, await owner.GetStringAsync($"/api/servers/{id}/status"));
    }

    [Fact]
    public async Task DeleteDev_AgentConfirms_202DeletingThenTheIdeAnswersAsForAnUnknownContainer()
    {
        var (id, agent, session) = await fixture.ReadyIdeAsync("del-dev");
        using var owner = fixture.CreateClient(TestTokens.For("del-dev"));
        Assert.Equal(HttpStatusCode.OK, (await IdeAsync(id, session)).StatusCode);

        var response = await owner.DeleteAsync($"/api/dev/{id}?keepData=true");
        var deleting = await response.Content.ReadFromJsonAsync<ContainerStatus>(Json.Options);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/servers/{id}/status", response.Headers.Location?.OriginalString);
        Assert.Equal("Deleting", deleting!.State);
        Assert.Equal("Deleting", (await owner.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options))!.State);

        await agent.ReportDeletionFinishedAsync();

        // The gateway's cached lookup lives at most its 5 s TTL.
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));

        await AssertNotFoundAsync(await owner.GetAsync($"/api/servers/{id}/status"));
        await AssertNotFoundAsync(await owner.DeleteAsync($"/api/dev/{id}"));
        var unknown = ContainerId.Max - 7;
        var tunnel = await IdeAsync(id, session);
        var never = await IdeAsync(unknown, session);
        Assert.Equal(never.StatusCode, tunnel.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tunnel.StatusCode);
        using var browser = fixture.CreateClient();
        var bootstrap = await browser.GetAsync($"/api/dev/{id}/ide?token=abc");
        var neverBootstrap = await browser.GetAsync($"/api/dev/{unknown}/ide?token=abc");
        Assert.Equal(neverBootstrap.StatusCode, bootstrap.StatusCode);
    }

    [Fact]
    public async Task DeleteDev_IdDeletedElsewhereAndProvisionedAgainAsDev_TheStaleGameKindIsCheckedAgain()
    {
        var id = await ProvisionGameAsync("del-swap");
        using var owner = fixture.CreateClient(TestTokens.For("del-swap"));
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/servers/{id}/status")).StatusCode);

        // Another gateway deletes the game server (its grain directly: this gateway never sees it), and an operator
        // provisions the id again as a dev container. This gateway still has "game" cached for the id.
        var actor = new Actor("del-swap", IsOperator: false);
        Assert.Equal("Deleted", (await fixture.Client.GetGrain<IGameServerGrain>(id).DeleteAsync(actor, keepData: false)).State);
        await fixture.Client.GetGrain<IDevContainerGrain>(id).ProvisionAsync(actor, new DevContainerSpec("node", null, EnableCodeServer: false));

        var response = await owner.DeleteAsync($"/api/dev/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<ContainerStatus>(Json.Options);
        Assert.Equal(("Deleted", ContainerKind.Dev), (status!.State, status.Kind));
        await AssertNotFoundAsync(await owner.GetAsync($"/api/servers/{id}/status"));
    }

    private async Task<HttpResponseMessage> IdeAsync(long id, string session)
    {
        using var browser = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        return await browser.SendAsync(request);
    }

    private static async Task AssertNotFoundAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No such container.", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    private async Task<long> ProvisionGameAsync(string userId)
    {
        using var portal = fixture.CreateClient(TestTokens.For(userId));
        var response = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar nogui", stopCommand = "stop", memoryMb = 2048 });
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!.ContainerId;
    }
}
