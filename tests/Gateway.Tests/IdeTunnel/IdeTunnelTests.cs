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

        // The gateway's name in any case and Domain cookies are dropped; every other Path moves below the tunnel.
        var cookies = response.Headers.GetValues("Set-Cookie").ToArray();
        Assert.Equal([$"vscode-tkn=ok; Path=/__ide/{id}/", $"sub=1; Path=/__ide/{id}/static; HttpOnly", "plain=1"], cookies);
    }

    [Fact]
    public async Task Proxy_UpstreamAllowsRootServiceWorker_HeaderStripped()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-sw-header");

        var response = await SendAsync(id, session, "/sw.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Service-Worker-Allowed"));
        Assert.Equal("self.addEventListener('fetch', () => {});", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example/x")]
    [InlineData("\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("javascript:alert(1)")]
    [InlineData("{gateway}/api/servers")]
    [InlineData("{gateway}/__ide/100/")]
    [InlineData("http:evil.example")]
    [InlineData("https:/evil.example/")]
    [InlineData("../../api/servers")]
    public async Task Proxy_UpstreamRedirectsOutOfTheTunnel_502AndNoLocation(string target)
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-redirect-out-" + Guid.NewGuid().ToString("N"));
        var resolved = target.Replace("{gateway}", fixture.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal);

        var response = await SendAsync(id, session, "/redirect-to?target=" + Uri.EscapeDataString(resolved));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("The IDE tried to send this tab outside of it", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("login?next=1", "login?next=1")]
    [InlineData("/login", "/__ide/{id}/login")]
    [InlineData("{gateway}/__ide/{id}/x", "{gateway}/__ide/{id}/x")]
    public async Task Proxy_UpstreamRedirectsInsideTheTunnel_LocationKeptInside(string target, string expected)
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-redirect-in");
        string Resolve(string value) => value.Replace("{gateway}", fixture.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var response = await SendAsync(id, session, "/redirect-to?target=" + Uri.EscapeDataString(Resolve(target)));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(Resolve(expected), response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("ZLH_IDE")]
    [InlineData("Zlh_Ide")]
    public async Task Proxy_SessionUnderAnotherCaseOfTheName_Refused401AndNothingForwarded(string name)
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-cookie-case");
        var path = "/case-" + name;
        using var browser = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}{path}");
        request.Headers.Add("Cookie", $"{name}={session}");

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(fixture.Upstream.Requests, r => r.Path == path);
    }

    [Fact]
    public async Task Proxy_GatewayCookieInEveryCaseAndAuthorization_NoneReachesTheUpstream()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-cookie-strip");
        using var browser = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/strip");
        request.Headers.Add("Cookie", $"a=1; ZLH_IDE={session}; zlh_ide={session}; Zlh_Ide={session}; b=2");
        request.Headers.Add("Authorization", "Bearer portal-token");

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = fixture.Upstream.LastRequestTo("/strip");
        Assert.Equal("a=1; b=2", seen.Headers["Cookie"]);
        Assert.False(seen.Headers.ContainsKey("Authorization"));
        Assert.DoesNotContain(seen.Headers.Values, v => v.Contains(session, StringComparison.Ordinal) || v.Contains("portal-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Proxy_ClusterUnreachable_CachedSessionServedWithinTrustWindowThen503()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("tunnel-outage");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(id, session, "/before")).StatusCode);
        var before = fixture.SessionLookups(id);

        HttpResponseMessage pastTtl, again, pastWindow;
        using (fixture.Calls.Unreachable(fixture.Client.GetGrain<IDevContainerGrain>(id).GetGrainId()))
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(5));
            pastTtl = await SendAsync(id, session, "/outage-1");
            again = await SendAsync(id, session, "/outage-2");

            // FeedTrustedSessionMaxAge (5 min) after the last answer, the cached session is no longer vouched for.
            fixture.Clock.Advance(TimeSpan.FromMinutes(5));
            pastWindow = await SendAsync(id, session, "/outage-3");
        }

        Assert.Equal(HttpStatusCode.OK, pastTtl.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, pastWindow.StatusCode);
        Assert.Contains("The control plane could not be reached", await pastWindow.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before + 2, fixture.SessionLookups(id));
        Assert.DoesNotContain(fixture.Upstream.Requests, r => r.Path == "/outage-3");

        // The outage is the outage monitor's to report, once per state change; the tunnel adds no warning per request.
        var container = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.DoesNotContain(
            fixture.Logs.Events,
            e => e.Level >= Serilog.Events.LogEventLevel.Warning
                && e.Properties.TryGetValue("ContainerId", out var value) && value.ToString() == container);
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
        Assert.Contains("session ended \u2014 reopen it from the portal", await afterTtl.Content.ReadAsStringAsync(), StringComparison.Ordinal);
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
        // Not a navigation (no Accept naming text/html): the words as text; a navigation gets the page.
        Assert.Equal("text/plain; charset=utf-8", missing.Content.Headers.ContentType?.ToString());
        Assert.Equal("IDE session ended \u2014 reopen it from the portal.\n", await missing.Content.ReadAsStringAsync());
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
        var closed = FreePorts.ClosedEndpoint();
        await fixture.SetAddressAsync(id, closed);
        await agent.BecomeReadyAsync(closed);
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
