using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using ZlhGrind.Gateway.Api;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>The separate IDE origin: <c>IdeTunnel:Host = {id}.ide.test</c>, each container's IDE at the root of its own host.</summary>
[Collection(GatewayCollection.Name)]
public sealed class IdeHostModeTests(GatewayFixture fixture)
{
    private const string Pattern = "{id}.ide.test";

    [Fact]
    public async Task Bootstrap_OnTheIdeHost_HostOnlyRootCookieThenIdeServedFromRoot()
    {
        await using var gateway = await HostModeGatewayAsync();
        var (id, _, _) = await fixture.ReadyIdeAsync("host-mode");
        var port = new Uri(gateway.Urls.First()).Port;
        using var portal = Client(gateway, TestTokens.For("host-mode"));
        var grant = await (await portal.PostAsync($"/api/dev/{id}/ide-token", null)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<IdeTokenResponse>(Json.Options);
        var bootstrap = new Uri(grant!.Url);

        using var browser = Client(gateway);
        var redeemed = await browser.SendAsync(OnHost($"{id}.ide.test:{port}", bootstrap.PathAndQuery));
        var session = GatewayFixture.SessionFrom(redeemed);
        var cookie = redeemed.Headers.GetValues("Set-Cookie").Single();
        using var page = OnHost($"{id}.ide.test:{port}", "/static/app.js?v=2");
        page.Headers.Add("Cookie", $"zlh_ide={session}");
        var served = await browser.SendAsync(page);

        Assert.Equal($"http://{id}.ide.test:{port}/__zlh/ide-bootstrap", bootstrap.GetLeftPart(UriPartial.Path));
        Assert.Equal(HttpStatusCode.Redirect, redeemed.StatusCode);
        Assert.Equal("/", redeemed.Headers.Location?.OriginalString);
        Assert.Contains("path=/;", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("domain", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("upstream GET /static/app.js?v=2", await served.Content.ReadAsStringAsync());
        Assert.Equal($"{id}.ide.test:{port}", fixture.Upstream.LastRequestTo("/static/app.js").Headers["Host"]);
    }

    [Fact]
    public async Task Proxy_HostMode_PathTunnelOnPortalHostIsOffAndAnotherContainersHostRefusesTheCookie()
    {
        await using var gateway = await HostModeGatewayAsync();
        var (a, _, sessionOfA) = await fixture.ReadyIdeAsync("host-mode-a");
        var (b, _, _) = await fixture.ReadyIdeAsync("host-mode-b");
        var port = new Uri(gateway.Urls.First()).Port;
        using var browser = Client(gateway);

        using var onPortal = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{a}/");
        onPortal.Headers.Add("Cookie", $"zlh_ide={sessionOfA}");
        var pathMode = await browser.SendAsync(onPortal);
        using var crossed = OnHost($"{b}.ide.test:{port}", "/");
        crossed.Headers.Add("Cookie", $"zlh_ide={sessionOfA}");
        var onB = await browser.SendAsync(crossed);
        using var own = OnHost($"{a}.IDE.test:{port}", "/");
        own.Headers.Add("Cookie", $"zlh_ide={sessionOfA}");
        var onA = await browser.SendAsync(own);

        Assert.Equal(HttpStatusCode.NotFound, pathMode.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, onB.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onA.StatusCode);
    }

    [Fact]
    public async Task Redeem_PortalLinkInHostMode_SentToTheIdeHostTokenUnspent()
    {
        await using var gateway = await HostModeGatewayAsync();
        var (id, _) = await fixture.ProvisionDevAsync("host-mode-link");
        var port = new Uri(gateway.Urls.First()).Port;
        using var browser = Client(gateway);

        var response = await browser.GetAsync($"/api/dev/{id}/ide?token=abc_DEF-123");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"http://{id}.ide.test:{port}/__zlh/ide-bootstrap?token=abc_DEF-123", response.Headers.Location?.OriginalString);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    private Task<WebApplication> HostModeGatewayAsync() =>
        GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?> { ["IdeTunnel:Host"] = Pattern });

    private static HttpClient Client(WebApplication gateway, string? bearer = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(gateway.Urls.First()) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    private static HttpRequestMessage OnHost(string host, string pathAndQuery)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Host = host;
        return request;
    }
}
