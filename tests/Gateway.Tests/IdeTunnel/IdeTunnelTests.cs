using System.Net;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

[Collection(GatewayCollection.Name)]
public sealed class IdeTunnelTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Proxy_ReadyContainer_UpstreamSeesBrowserHostAndNoGatewayCredentials()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-headers");
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
        Assert.Equal(["Cookie", "Host", "Origin", "X-Custom"], seen.Headers.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Proxy_NoOriginAndOnlyIdeCookie_UpstreamGetsNeitherOriginNorCookie()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-no-origin");
        using var browser = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/__ide/{id}/api/save") { Content = new StringContent("body") };
        request.Headers.Add("Cookie", $"zlh_ide={session}");

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = fixture.Upstream.LastRequestTo("/api/save");
        Assert.Equal("POST", seen.Method);
        Assert.False(seen.Headers.ContainsKey("Origin"));
        Assert.False(seen.Headers.ContainsKey("Cookie"));
    }

    [Fact]
    public async Task Proxy_UploadLargerThanApiLimit_ForwardedWhole()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-upload");
        using var browser = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/__ide/{id}/upload") { Content = new ByteArrayContent(new byte[3 * 1024 * 1024]) };
        request.Headers.Add("Cookie", $"zlh_ide={session}");

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("received " + (3 * 1024 * 1024), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Proxy_RootPath_ReachesUpstreamRoot()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-root");

        var response = await SendAsync(id, session, "/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("upstream GET /", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Proxy_UpstreamSetsIdeCookie_GatewayDropsItAndKeepsOthers()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-set-cookie");

        var response = await SendAsync(id, session, "/set-cookie");

        var cookies = response.Headers.GetValues("Set-Cookie").ToArray();
        Assert.Equal(["vscode-tkn=ok; Path=/"], cookies);
    }

    [Fact]
    public async Task Proxy_UpstreamRootRelativeRedirect_StaysInsideTunnel()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-redirect");

        var response = await SendAsync(id, session, "/redirect");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/__ide/{id}/login?next=%2Fx", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Proxy_FreshCachedSession_MakesNoGrainCall()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-cache");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(id, session, "/warm")).StatusCode);
        var afterWarmUp = fixture.SessionLookups(id);

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(id, session, "/keystroke")).StatusCode);
        }

        Assert.Equal(1, afterWarmUp);
        Assert.Equal(afterWarmUp, fixture.SessionLookups(id));

        // Past the TTL the next request asks the grain again, exactly once.
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(id, session, "/keystroke")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(id, session, "/keystroke")).StatusCode);
        Assert.Equal(afterWarmUp + 1, fixture.SessionLookups(id));
    }

    [Fact]
    public async Task Proxy_RevokedSession_StillCachedBeforeTtlThenRefusedAfterFiveSeconds()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-revoke");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(id, session, "/before")).StatusCode);
        using var portal = fixture.CreateClient(TestTokens.For("tunnel-revoke"));
        var revoked = await portal.DeleteAsync($"/api/dev/{id}/ide-sessions");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Contains("\"revoked\":1", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        fixture.Clock.Advance(TimeSpan.FromSeconds(4.9));
        var withinTtl = await SendAsync(id, session, "/during");
        fixture.Clock.Advance(TimeSpan.FromSeconds(0.1));
        var afterTtl = await SendAsync(id, session, "/after");

        Assert.Equal(HttpStatusCode.OK, withinTtl.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterTtl.StatusCode);
        Assert.Contains("Not signed in to this IDE", await afterTtl.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_MissingOrGarbageCookie_Refused401()
    {
        var (id, _, _) = await fixture.ReadyIdeAsync("tunnel-no-cookie");

        var missing = await SendAsync(id, session: null, "/");
        var garbage = await SendAsync(id, "not a session!", "/");
        var unknown = await SendAsync(id, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw", "/");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("text/html; charset=utf-8", missing.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Proxy_CookieOfContainerAOnB_Refused401()
    {
        var (a, _, sessionOfA) = await fixture.ReadyIdeAsync("tunnel-a-on-b");
        var (b, _, sessionOfB) = await fixture.ReadyIdeAsync("tunnel-a-on-b");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(a, sessionOfA, "/")).StatusCode);

        var crossed = await SendAsync(b, sessionOfA, "/");

        Assert.Equal(HttpStatusCode.Unauthorized, crossed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(b, sessionOfB, "/")).StatusCode);
    }

    [Fact]
    public async Task Proxy_UpstreamDown_502PageSaysIdeNotRunning()
    {
        var (id, agent) = await fixture.ProvisionDevAsync("tunnel-502");
        await agent.BecomeReadyAsync(LoopbackPorts.ClosedEndpoint());
        var session = await fixture.OpenIdeSessionAsync("tunnel-502", id);

        var response = await SendAsync(id, session, "/");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("The IDE is not running", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_ContainerInError_503PageWithItsState()
    {
        var (id, agent, session) = await fixture.ReadyIdeAsync("tunnel-503-state");
        await agent.ReportStateAsync(DevContainerState.Error);
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));

        var response = await SendAsync(id, session, "/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("The container is Error.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_CodeServerStopped_503Page()
    {
        var (id, agent, session) = await fixture.ReadyIdeAsync("tunnel-503-codeserver");
        await agent.BeatAsync(CodeServerState.Stopped, fixture.Upstream.Endpoint);

        var response = await SendAsync(id, session, "/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("code-server is stopped.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_AgentUnreachable_503Page()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-503-unreachable");

        // Three missed 5 s heartbeats.
        fixture.Clock.Advance(TimeSpan.FromSeconds(15));
        var response = await SendAsync(id, session, "/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("unreachable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_WithoutTrailingSlash_RedirectsToCookiePath()
    {
        using var browser = fixture.CreateClient();

        var response = await browser.GetAsync("/__ide/4242");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/__ide/4242/", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/__ide/abc/")]
    [InlineData("/__ide/0100/")]
    [InlineData("/__ide/99/")]
    [InlineData("/__ide/1000000000/x")]
    [InlineData("/__ide/-5/")]
    public async Task Proxy_InvalidId_404(string path)
    {
        using var browser = fixture.CreateClient();

        var response = await browser.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(long id, string? session, string path)
    {
        using var browser = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}{path}");
        if (session is not null)
        {
            request.Headers.Add("Cookie", $"zlh_ide={session}");
        }

        var response = await browser.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
