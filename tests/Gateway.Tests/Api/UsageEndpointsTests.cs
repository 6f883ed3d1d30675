using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Tests.Api;

/// <summary><c>GET /api/servers/{id}/usage</c> and <c>cpuPercent</c> at provisioning (issue 14): exact statuses and bodies.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UsageEndpointsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Usage_OwnerAsksBothResolutions_PointsLimitsAndAWatchForFiveSeconds()
    {
        var id = await ProvisionGameAsync("usage-owner", cpuPercent: 250);
        using var owner = fixture.CreateClient(TestTokens.For("usage-owner"));

        var minute = await owner.GetFromJsonAsync<JsonElement>($"/api/servers/{id}/usage");
        var fast = await owner.GetFromJsonAsync<JsonElement>($"/api/servers/{id}/usage?resolution=5s");

        Assert.Equal("1m", minute.GetProperty("resolution").GetString());
        Assert.Equal(0, minute.GetProperty("points").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, minute.GetProperty("fastUntil").ValueKind);
        Assert.Equal("""{"memoryMb":2048,"cpuPercent":250,"enforcement":null}""", minute.GetProperty("limits").GetRawText());
        Assert.Equal("5s", fast.GetProperty("resolution").GetString());
        Assert.Equal(JsonValueKind.String, fast.GetProperty("fastUntil").ValueKind);
        var status = await owner.GetFromJsonAsync<JsonElement>($"/api/servers/{id}/status");
        Assert.Equal("""{"memoryMb":2048,"cpuPercent":250,"enforcement":null}""", status.GetProperty("game").GetProperty("limits").GetRawText());
    }

    [Fact]
    public async Task Usage_AnotherUserOrUnknownResolution_RefusedExactly()
    {
        var id = await ProvisionGameAsync("usage-victim");
        using var owner = fixture.CreateClient(TestTokens.For("usage-victim"));
        using var mallory = fixture.CreateClient(TestTokens.For("usage-mallory"));

        var stranger = await mallory.GetAsync($"/api/servers/{id}/usage?resolution=5s");
        var invalid = await owner.GetAsync($"/api/servers/{id}/usage?resolution=1h");

        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        Assert.Equal("No such container.", (await stranger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("resolution must be 1m or 5s.", (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6401)]
    public async Task Provision_CpuPercentOutOfRange_400NamingTheRange(int cpuPercent)
    {
        using var portal = fixture.CreateClient(TestTokens.For("usage-cpu"));
        var before = await portal.GetStringAsync("/api/servers");

        var response = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar nogui", memoryMb = 2048, cpuPercent });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            "cpuPercent must be between 1 and 6400 (percent of one core; leave it out for no limit).",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(before, await portal.GetStringAsync("/api/servers"));
    }

    private async Task<long> ProvisionGameAsync(string userId, int? cpuPercent = null)
    {
        using var portal = fixture.CreateClient(TestTokens.For(userId));
        var response = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar nogui", stopCommand = "stop", memoryMb = 2048, cpuPercent });
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!.ContainerId;
    }
}
