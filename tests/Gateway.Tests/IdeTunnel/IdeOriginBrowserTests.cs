using Microsoft.Playwright;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>
/// What an IDE page (content the container's owner controls, served by the test upstream through the tunnel) can
/// do to the portal in a real browser: the system's headless Chromium driven by Playwright.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class IdeOriginBrowserTests(GatewayFixture fixture)
{
    private const string Chromium = "/usr/bin/chromium";

    // Everything a same-origin page can read without help: storage, cookies, its opener, and a fresh portal in a frame
    // (its storage, its DOM and its modules' own state, read in the frame's realm). Returns where the token was.
    private const string FindToken = """
        async (token) => {
          const found = [];
          const scan = (where, storage) => { for (let i = 0; i < storage.length; i++) { if ((storage.getItem(storage.key(i)) || '').includes(token)) found.push(where); } };
          scan('sessionStorage', sessionStorage);
          scan('localStorage', localStorage);
          if (document.cookie.includes(token)) found.push('cookie');
          if (window.opener !== null) found.push('opener');
          const frame = document.createElement('iframe');
          frame.src = '/';
          const loaded = new Promise((resolve) => frame.addEventListener('load', resolve));
          document.body.appendChild(frame);
          await loaded;
          const portal = frame.contentWindow;
          scan('portal sessionStorage', portal.sessionStorage);
          scan('portal localStorage', portal.localStorage);
          if (portal.document.documentElement.outerHTML.includes(token)) found.push('portal DOM');
          // The portal keeps its token in its api.js module; the frame's realm hands out that same module instance.
          const api = await portal.eval("import('/js/api.js')");
          if (String(api.session.token).includes(token)) found.push('portal memory');
          return found.join(',');
        }
        """;

    [Fact]
    public async Task IdePage_PathMode_CannotClaimRootScopeOrFindPortalTokenButOwnWorkerRegisters()
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is required (./zlh test installs it).");
        var user = "browser-path";
        var (id, _, _) = await fixture.ReadyIdeAsync(user);
        var token = TestTokens.For(user);
        var origin = fixture.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var context = await browser.NewContextAsync();
        var portal = await SignInAsync(context, origin, token, id);

        var ide = await context.RunAndWaitForPageAsync(() => portal.ClickAsync("#open-ide"));
        await ide.WaitForURLAsync($"{origin}/__ide/{id}/");
        await ide.GotoAsync($"{origin}/__ide/{id}/hostile.html");
        var rootScope = await ide.EvaluateAsync<string>(
            "async (id) => { try { await navigator.serviceWorker.register(`/__ide/${id}/sw.js`, { scope: '/' }); return 'registered'; } catch (e) { return e.name; } }", id);
        var ownScope = await ide.EvaluateAsync<string>(
            "async (id) => { const r = await navigator.serviceWorker.register(`/__ide/${id}/sw.js`, { scope: `/__ide/${id}/` }); return new URL(r.scope).pathname; }", id);
        var inIdeTab = await ide.EvaluateAsync<string>(FindToken, token);

        // The user follows a link to the IDE in the portal's own tab: the portal's storage would now be the IDE's.
        await portal.GotoAsync($"{origin}/__ide/{id}/hostile.html");
        var inPortalTab = await portal.EvaluateAsync<string>(FindToken, token);

        Assert.Equal("SecurityError", rootScope);
        Assert.Equal($"/__ide/{id}/", ownScope);
        Assert.Equal("", inIdeTab);
        Assert.Equal("", inPortalTab);
    }

    [Fact]
    public async Task IdeHost_HostMode_PortalOpensIdeOnItsOwnHostWithAHostOnlyCookie()
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is required (./zlh test installs it).");
        var user = "browser-host";
        var (id, _, _) = await fixture.ReadyIdeAsync(user);
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?> { ["IdeTunnel:Host"] = "{id}.ide.test" });
        var origin = new Uri(gateway.Urls.First()).GetLeftPart(UriPartial.Authority);
        var ideOrigin = $"http://{id}.ide.test:{new Uri(origin).Port}";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, "--host-resolver-rules=MAP *.ide.test 127.0.0.1");
        var context = await browser.NewContextAsync();
        var portal = await SignInAsync(context, origin, TestTokens.For(user), id);

        var ide = await context.RunAndWaitForPageAsync(() => portal.ClickAsync("#open-ide"));
        await ide.WaitForURLAsync(ideOrigin + "/");
        var body = await ide.Locator("body").TextContentAsync();
        var ideCookies = await context.CookiesAsync([ideOrigin + "/"]);
        var portalCookies = await context.CookiesAsync([origin + "/", origin + $"/__ide/{id}/"]);

        Assert.Equal("upstream GET /", body);
        var session = Assert.Single(ideCookies);
        Assert.Equal(("zlh_ide", $"{id}.ide.test", "/", true), (session.Name, session.Domain, session.Path, session.HttpOnly));
        Assert.Empty(portalCookies);
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] extraArgs) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", .. extraArgs],
        });

    private static async Task<IPage> SignInAsync(IBrowserContext context, string origin, string token, long id)
    {
        var portal = await context.NewPageAsync();
        await portal.GotoAsync(origin + "/");
        await portal.FillAsync("#token", token);
        await portal.ClickAsync("#sign-in-form button[type=submit]");
        await portal.ClickAsync($"#containers tbody tr[data-id='{id}']");
        await Assertions.Expect(portal.Locator("#detail-state")).ToHaveTextAsync("Ready");
        return portal;
    }
}
