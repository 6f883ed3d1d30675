using System.Text.Json;
using Microsoft.Playwright;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>Issue 17: the portal's live events carry on across a silo restart, in the system's headless Chromium.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PortalAcrossSiloRestartTests
{
    private static string State(JsonElement s) => s.GetProperty("state").GetString()!;

    [Fact]
    public async Task Portal_SiloRestartedWithContainerPageOpen_NextEventAppearsWithoutReload()
    {
        // A keep-alive each second: an open stream compares notes with the grain that often, so the test waits seconds.
        await using var platform = await Platform.Platform.StartAsync(gatewaySettings: new Dictionary<string, string> { ["Events__HeartbeatInterval"] = "00:00:01" });
        var (id, credential) = await platform.ProvisionGameAsync();
        platform.StartAgent(id, "game", credential);
        await platform.WaitForStatusAsync(id, s => State(s) == "Stopped", "installed and stopped");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PortalBrowser.LaunchChromiumAsync(playwright);
        var portal = await (await browser.NewContextAsync()).NewPageAsync();
        // The container's own page by its address; signing in keeps it.
        await portal.GotoAsync($"{platform.GatewayUrl}/containers/{id}");
        await PortalBrowser.SignInAsync(portal, platform.Token);
        await Assertions.Expect(portal.Locator("#events[data-live=yes]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        // A page that reloads loses this; the assertion at the end proves the same page showed the event.
        await portal.EvaluateAsync("() => { window.zlhSamePage = 'yes'; }");
        await platform.Process("silo0").KillAsync();
        await platform.RestartSiloAsync("silo0");
        await platform.WaitForStatusAsync(id, s => string.Equals(s.GetProperty("connectivity").GetString(), "connected", StringComparison.OrdinalIgnoreCase), "agent back", TimeSpan.FromSeconds(60));
        await platform.SendAsync(HttpMethod.Post, $"/api/servers/{id}/power", platform.Token, new { action = "start" });

        await Assertions.Expect(portal.Locator("#events li", new() { HasTextString = "now Running" })).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await Assertions.Expect(portal.Locator("#events[data-live=yes]")).ToHaveCountAsync(1);
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        await portal.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "portal-after-silo-restart.png"), FullPage = true });
        Assert.Equal("yes", await portal.EvaluateAsync<string>("() => window.zlhSamePage"));
    }
}
