using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>
/// The upstream is the platform's to choose. These run against a gateway with the built-in rules only (no explicit
/// loopback entry), on the shared cluster: every refused destination answers 503 and is never connected to.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class IdeUpstreamRefusalTests(GatewayFixture fixture)
{
    private const string Refused = "The IDE&#x27;s address is one this gateway does not connect to.";

    [Theory]
    [InlineData("127.0.0.1:8081")] // the silo dashboard
    [InlineData("{upstream}")] // a live loopback server
    [InlineData("169.254.169.254:80")] // link-local: cloud metadata
    [InlineData("224.0.0.1")] // multicast
    [InlineData("0.0.0.0")]
    [InlineData("192.0.2.10:5432")] // PostgreSQL's port on a container network address
    [InlineData("127.0.0.1:55440")] // the test PostgreSQL
    public async Task Proxy_PlatformAddressRefusedByBuiltInRules_503AndNeverConnected(string address)
    {
        var resolved = address.Replace("{upstream}", fixture.Upstream.Endpoint, StringComparison.Ordinal);
        var (id, agent) = await fixture.ProvisionDevAsync("refused-" + address);
        await fixture.SetAddressAsync(id, resolved);
        await agent.BecomeReadyAsync(resolved);
        var session = await fixture.OpenIdeSessionAsync("refused-" + address, id);
        await using var strict = await StrictGatewayAsync();
        var path = "/refused-" + Guid.NewGuid().ToString("N");

        var response = await SendAsync(strict, id, session, path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(Refused, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Upstream.Requests, r => r.Path == path);
    }

    [Fact]
    public async Task Proxy_AgentClaimsAnotherContainersAddress_TunnelGoesToItsOwnAddressOnly()
    {
        await using var own = await UpstreamServer.StartAsync();
        var (id, agent) = await fixture.ProvisionDevAsync("claims-other");
        await fixture.SetAddressAsync(id, own.Endpoint);

        // The agent names the shared upstream (another container's IDE) in its events and heartbeats.
        await agent.BecomeReadyAsync(fixture.Upstream.Endpoint);
        var session = await fixture.OpenIdeSessionAsync("claims-other", id);

        var response = await SendAsync(fixture.Gateway, id, session, "/claimed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("upstream GET /claimed", await response.Content.ReadAsStringAsync());
        Assert.Single(own.Requests, r => r.Path == "/claimed");
        Assert.DoesNotContain(fixture.Upstream.Requests, r => r.Path == "/claimed");
    }

    [Fact]
    public async Task Proxy_AddressUnknownAgentClaimsOne_503AddressNotKnown()
    {
        var (id, agent) = await fixture.ProvisionDevAsync("claims-unknown");
        await agent.BecomeReadyAsync(fixture.Upstream.Endpoint);
        var session = await fixture.OpenIdeSessionAsync("claims-unknown", id);

        var response = await SendAsync(fixture.Gateway, id, session, "/unknown-address");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("The IDE&#x27;s address is not known to the platform yet.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Upstream.Requests, r => r.Path == "/unknown-address");
    }

    [Fact]
    public async Task Proxy_FutureStampedEventNamesDashboard_TunnelStaysOnThePlatformAddress()
    {
        var (id, agent, session) = await fixture.ReadyIdeAsync("future-pin");

        // An event a day ahead of the silo's clock would outrank every honest heartbeat if it chose the upstream.
        await agent.ReportCodeServerAsync(CodeServerState.Running, "127.0.0.1:8081", fixture.Clock.GetUtcNow().AddDays(1));
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        await agent.BeatAsync(CodeServerState.Running, fixture.Upstream.Endpoint);

        var response = await SendAsync(fixture.Gateway, id, session, "/pinned");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("upstream GET /pinned", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SetIdeAddress_OwnerNotOperator_403AndAddressUnchanged()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("address-owner");
        using var owner = fixture.CreateClient(TestTokens.For("address-owner"));

        var response = await owner.PutAsJsonAsync($"/api/admin/containers/{id}/ide-address", new { address = "169.254.169.254" });
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        var after = await SendAsync(fixture.Gateway, id, session, "/still-own");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("upstream GET /still-own", await after.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("code-server.internal")]
    [InlineData("10.0.3.7:0")]
    [InlineData("10.0.3.7:99999")]
    public async Task SetIdeAddress_NotAnIpAddress_400AndAddressUnchanged(string address)
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("address-invalid");
        using var ops = fixture.CreateClient(TestTokens.For("ops", isOperator: true));

        var response = await ops.PutAsJsonAsync($"/api/admin/containers/{id}/ide-address", new { address });
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        var after = await SendAsync(fixture.Gateway, id, session, "/still-valid");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The address must be an IP address, optionally with a port", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private Task<WebApplication> StrictGatewayAsync() =>
        GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?>
        {
            ["IdeTunnel:ExplicitUpstreams:0"] = null,
        });

    private static async Task<HttpResponseMessage> SendAsync(WebApplication gateway, long id, string session, string path)
    {
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(gateway.Urls.First()) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}{path}");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        var response = await browser.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
