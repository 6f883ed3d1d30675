using Microsoft.Playwright;

namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>
/// One platform for the portal's browser tests: a game server (short restart backoff) and a ready dev container,
/// their agents, and the system's headless Chromium driven by Playwright. Each test opens its own browser context.
/// </summary>
public sealed class PortalBrowser : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    internal Platform Platform { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public long GameId { get; private set; }

    public long DevId { get; private set; }

    /// <summary>The test output's screenshots folder (kept with the test binaries).</summary>
    public static string Screenshots { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    /// <summary>The system's headless Chromium (never a download), as every browser test of this project runs it.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is required (./zlh test installs it).");
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is required (./zlh test installs it).");

        // The machine is shared: what a person waits a moment for may take some seconds here.
        Assertions.SetDefaultExpectTimeout(30_000);
        Platform = await Platform.StartAsync();
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        var (game, gameCredential) = await Platform.ProvisionGameAsync();
        var (dev, devCredential) = await Platform.ProvisionDevAsync();
        GameId = game;
        DevId = dev;
        Platform.StartAgent(game, "game", gameCredential, new Dictionary<string, string>
        {
            // Real seconds: the 30/60/120 s policy itself is tested on a fake clock in the agent's suite.
            ["Agent__Supervision__Backoff__0"] = "00:00:03",
            ["Agent__Supervision__StopTimeout"] = "00:00:05",
        });
        Platform.StartAgent(dev, "dev", devCredential);
        await Platform.WaitForStatusAsync(game, s => s.GetProperty("state").GetString() == "Stopped", "the game server installed");
        await Platform.WaitForStatusAsync(dev, s => s.GetProperty("dev").GetProperty("provisioningComplete").GetBoolean(), "provisioningComplete");

        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(_playwright);
    }

    /// <summary>A fresh browser context (en-US unless told) at <paramref name="path"/>, signed in there.</summary>
    public async Task<IPage> SignedInAsync(string path, BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new BrowserNewContextOptions { Locale = "en-US" });
        var page = await context.NewPageAsync();
        await page.GotoAsync(Platform.GatewayUrl + path);
        await SignInAsync(page);
        return page;
    }

    public Task SignInAsync(IPage page) => SignInAsync(page, Platform.Token);

    /// <summary>Signs in on the portal's sign-in form with <paramref name="token"/>, as a person pastes it.</summary>
    public static async Task SignInAsync(IPage page, string token)
    {
        await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await page.FillAsync("#token", token);
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await Assertions.Expect(page.Locator("#portal")).ToBeVisibleAsync();
    }

    /// <summary>Brings the game server to <paramref name="state"/> through the API (tests share it).</summary>
    public async Task GameIsAsync(string state)
    {
        var current = (await Platform.StatusAsync(GameId)).GetProperty("state").GetString();
        if (current == state)
        {
            return;
        }

        await Platform.SendAsync(HttpMethod.Post, $"/api/servers/{GameId}/power", Platform.Token, new { action = state == "Running" ? "start" : "stop" });
        await Platform.WaitForStatusAsync(GameId, s => s.GetProperty("state").GetString() == state, state);
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Platform is not null)
        {
            await Platform.DisposeAsync();
        }
    }
}
