using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Api;

/// <summary>PATCH /api/servers/{id} and /api/dev/{id}: 202 with the status, exact refusals that change nothing.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UpdateEndpointsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task PatchServer_GenericStartCommandAndMemory_202WithTheNextGeneration()
    {
        var (portal, id, before) = await GameAsync("upd-game");
        using var _ = portal;

        var response = await portal.PatchAsJsonAsync($"/api/servers/{id}", new { startCommand = "java -jar new.jar nogui", memoryMb = 1024, expectedGeneration = before.DesiredGeneration });
        var status = await response.Content.ReadFromJsonAsync<ContainerStatus>(Json.Options);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/servers/{id}/status", response.Headers.Location!.OriginalString);
        Assert.Equal((before.DesiredGeneration + 1, before.DesiredGeneration + 1), (status!.DesiredGeneration, status.Game!.SpecGeneration));
        Assert.False(status.Game.PendingRestart);
    }

    [Theory]
    [InlineData("{\"memoryMb\":1024,\"colour\":\"red\"}", HttpStatusCode.BadRequest, null)]
    [InlineData("{}", HttpStatusCode.BadRequest, "An update needs at least one of variables, memoryMb, diskMb, cpuPercent, templateVersion, startCommand.")]
    [InlineData("{\"cpuPercent\":0}", HttpStatusCode.BadRequest, "cpuPercent must be between 1 and 6400 (percent of one core; leave it out for no limit).")]
    [InlineData("{\"variables\":{\"port\":\"25565\"}}", HttpStatusCode.BadRequest, "variables.port is not a variable of template generic; it takes: no variables.")]
    [InlineData("{\"memoryMb\":null}", HttpStatusCode.BadRequest, "memoryMb cannot be cleared: every game server has a memory size (its start command is given it as {{memoryMb}}); give a new size instead.")]
    [InlineData("{\"diskMb\":0,\"cpuPercent\":null}", HttpStatusCode.BadRequest, "diskMb must be between 1 and 16777216.")]
    [InlineData("[]", HttpStatusCode.BadRequest, "The request body must be a JSON object.")]
    [InlineData("{\"memoryMb\":1024,\"expectedGeneration\":99}", HttpStatusCode.Conflict, "Container ID changed: the update was made against generation 99, the container is at generation 1; read its status and try again.")]
    public async Task PatchServer_Refused_ExactProblemAndNothingChanged(string body, HttpStatusCode expected, string? detail)
    {
        var (portal, id, before) = await GameAsync("upd-refused");
        using var _ = portal;

        var response = await portal.PatchAsync($"/api/servers/{id}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(expected, response.StatusCode);
        if (detail is not null)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(detail.Replace("ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), problem.GetProperty("detail").GetString());
        }

        await AssertUnchangedAsync(portal, id, before);
    }

    [Fact]
    public async Task PatchServer_ExplicitNullDiskThenCpu_ClearsEachAndLeavesAbsentOnesAlone()
    {
        using var portal = fixture.CreateClient(TestTokens.For("upd-clear"));
        var created = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar nogui", memoryMb = 2048, diskMb = 4096, cpuPercent = 150 });
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!.ContainerId;

        var disk = await Patch(portal, id, "{\"diskMb\":null}");
        var afterDisk = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options);
        var cpu = await Patch(portal, id, "{\"cpuPercent\":null,\"memoryMb\":1024}");
        var afterCpu = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (disk.StatusCode, cpu.StatusCode));
        Assert.Equal((2L, (int?)null, (int?)150, 2048), (afterDisk!.DesiredGeneration, afterDisk.Game!.DiskMb, afterDisk.Game.CpuPercent, afterDisk.Game.MemoryMb));
        Assert.Equal((3L, (int?)null, (int?)null, 1024), (afterCpu!.DesiredGeneration, afterCpu.Game!.DiskMb, afterCpu.Game.CpuPercent, afterCpu.Game.MemoryMb));
        Assert.Equal(new LimitsStatus(1024, null, null), afterCpu.Game.Limits);
    }

    [Fact]
    public async Task PatchDev_ExplicitNullDisk_ClearsTheQuota()
    {
        using var portal = fixture.CreateClient(TestTokens.For("upd-dev-clear"));
        var created = await portal.PostAsJsonAsync("/api/dev", new { runtime = "node", version = "22.1.0", enableCodeServer = true, diskMb = 4096 });
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!.ContainerId;
        var before = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options);

        var response = await Patch(portal, id, "{\"diskMb\":null}", "dev");
        var after = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal((1L, (int?)4096), (before!.DesiredGeneration, before.Dev!.DiskMb));
        Assert.Equal((2L, (int?)null, true), (after!.DesiredGeneration, after.Dev!.DiskMb, after.Dev.CodeServerEnabled));
    }

    [Fact]
    public async Task PatchServerAndDev_StrangersContainer_404AndNothingChanged()
    {
        var (portal, id, before) = await GameAsync("upd-victim");
        using var _ = portal;
        using var mallory = fixture.CreateClient(TestTokens.For("upd-mallory"));

        var server = await mallory.PatchAsJsonAsync($"/api/servers/{id}", new { memoryMb = 4096 });
        var dev = await mallory.PatchAsJsonAsync($"/api/dev/{id}", new { enableCodeServer = false });

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (server.StatusCode, dev.StatusCode));
        await AssertUnchangedAsync(portal, id, before);
    }

    [Fact]
    public async Task PatchDev_CodeServerOffAndIdleTimeout_202AndTheStatusSaysSo()
    {
        using var portal = fixture.CreateClient(TestTokens.For("upd-dev"));
        var created = await portal.PostAsJsonAsync("/api/dev", new { runtime = "node", version = "22.1.0", enableCodeServer = true });
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!.ContainerId;

        var response = await portal.PatchAsJsonAsync($"/api/dev/{id}", new { enableCodeServer = false, idleTimeoutMinutes = 30 });
        var refused = await portal.PatchAsJsonAsync($"/api/dev/{id}", new { idleTimeoutMinutes = -1 });
        var status = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("idleTimeoutMinutes must be between 0 (never) and 10080.", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal((2L, false, "22.1.0"), (status!.DesiredGeneration, status.Dev!.CodeServerEnabled, status.Dev.RuntimeVersion));
    }

    private static Task<HttpResponseMessage> Patch(HttpClient portal, long id, string body, string kind = "servers") =>
        portal.PatchAsync($"/api/{kind}/{id}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

    private async Task<(HttpClient Portal, long Id, ContainerStatus Before)> GameAsync(string userId)
    {
        var portal = fixture.CreateClient(TestTokens.For(userId));
        var response = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar nogui", stopCommand = "stop", memoryMb = 2048 });
        var id = (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!.ContainerId;
        var before = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options);
        return (portal, id, before!);
    }

    private static async Task AssertUnchangedAsync(HttpClient portal, long id, ContainerStatus before)
    {
        var after = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options);
        Assert.Equal((before.DesiredGeneration, before.Game!.SpecGeneration), (after!.DesiredGeneration, after.Game!.SpecGeneration));
    }
}
