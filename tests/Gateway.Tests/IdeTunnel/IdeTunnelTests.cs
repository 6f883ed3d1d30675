using System.Net;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

[Collection(GatewayCollection.Name)]
public sealed class IdeTunnelTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Proxy_ReadyContainer_UpstreamSeesBrowserHostAndNoGatewayCredentials()
    {
        var (id, agent, session) = await fixture.ReadyIdeAsync("tunnel-headers");
        await agent.BeatAsync(Grains.DevContainers.CodeServerState.Running, fixture.Upstream.Endpoint);
        using var browser = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/static/app.js?v=1&x=%2F");
        request.Headers.Add("Cookie", $"theme=dark; zlh_ide={session}; vscode-tkn=abc");
        request.Headers.Add("Origin", fixture.BaseAddress.GetLeftPart(UriPartial.Authority));
        request.Headers.Add("Authorization", "Bearer should-not-pass");
        request.Headers.Add("X-Custom", "kept");

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("upstream GET /static/app.js?v=1&x=%2F", await response.Content.ReadAsStringAsync());
        var seen = fixture.Upstream.LastRequestTo("/static/app.js");
        Assert.Equal(fixture.BaseAddress.Authority, seen.Headers["Host"]);
        Assert.Equal("theme=dark; vscode-tkn=abc", seen.Headers["Cookie"]);
        Assert.Equal(fixture.BaseAddress.GetLeftPart(UriPartial.Authority), seen.Headers["Origin"]);
        Assert.False(seen.Headers.ContainsKey("Authorization"));
        Assert.Equal("kept", seen.Headers["X-Custom"]);
        Assert.DoesNotContain(seen.Headers, h => h.Key.StartsWith("X-Forwarded", StringComparison.OrdinalIgnoreCase));
    }
}
