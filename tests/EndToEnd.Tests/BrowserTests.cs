using Microsoft.Playwright;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>A person's path through the portal, in the system's headless Chromium driven by Playwright.</summary>
[Collection(PlatformCollection.Name)]
public sealed class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Portal_SignInAndOpenIde_NewTabShowsTheIdeWithItsWebSocketConnected()
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is required (./zlh test installs it).");
        await using var platform = await Platform.Platform.StartAsync();
        var (id, credential) = await platform.ProvisionDevAsync();
        platform.StartAgent(id, "dev", credential);
        await platform.WaitForStatusAsync(id, s => s.GetProperty("dev").GetProperty("provisioningComplete").GetBoolean(), "provisioningComplete");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync();
        var portal = await context.NewPageAsync();

        await portal.GotoAsync(platform.GatewayUrl + "/");
        await portal.FillAsync("#token", platform.Token);
        await portal.ClickAsync("#sign-in-form button[type=submit]");
        await portal.ClickAsync($"#containers tbody tr[data-id='{id}']");
        await Assertions.Expect(portal.Locator("#detail-state")).ToHaveTextAsync("Ready");

        // The live stream opens with a status document (event: status): it updates the page and adds no event line.
        await Assertions.Expect(portal.Locator("#events[data-live=yes]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(portal.Locator("#events li", new() { HasTextString = "undefined" })).ToHaveCountAsync(0);
        var ide = await context.RunAndWaitForPageAsync(() => portal.ClickAsync("#open-ide"));
        await Assertions.Expect(ide.Locator("#status")).ToHaveTextAsync("connected", new() { Timeout = 30_000 });

        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        await portal.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "portal.png"), FullPage = true });
        await ide.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "ide.png") });
        Assert.Equal($"{platform.GatewayUrl}/__ide/{id}/", ide.Url);
        Assert.Equal("hello", await ide.Locator("#echo").TextContentAsync());
        Assert.True(await ide.EvaluateAsync<bool>("() => window.opener === null"), "the IDE tab must not hold a handle on the portal");
        Assert.Null(await ide.EvaluateAsync<string?>("() => sessionStorage.getItem('zlh.token')"));
    }
}
