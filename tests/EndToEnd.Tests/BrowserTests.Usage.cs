using Microsoft.Playwright;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>The Overview's usage charts, fed by the real agent's 5-second points while the page watches.</summary>
public sealed partial class BrowserTests
{
    // Watching reaches the agent with its next heartbeat; its first 5-second sample is a baseline, the second a point.
    private static readonly LocatorAssertionsToHaveCountOptions UsagePatience = new() { Timeout = 90_000 };

    [Fact]
    public async Task Overview_RunningServerWatched_ChartsShowPointsAndLatestValuesInText()
    {
        await portal.GameIsAsync("Running");
        var page = await portal.SignedInAsync($"/containers/{portal.GameId}");
        await Expect(page.Locator("#usage-title")).ToHaveTextAsync("Usage");

        await Expect(page.Locator("#usage-memory svg [data-points]")).ToHaveCountAsync(1, UsagePatience);

        await Expect(page.Locator("#usage-cpu figcaption")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^CPU: \\d+(\\.\\d)?\\s?% at .+, no CPU limit$"));
        await Expect(page.Locator("#usage-memory figcaption")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Memory: \\d+(\\.\\d)? (KiB|MiB) at .+, limit \\d+(\\.\\d)? (MiB|GiB) \\((cgroup1|cgroup2|rlimit|none)\\)$"));
        await Expect(page.Locator("#usage-disk figcaption")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Disk: \\d+(\\.\\d)? (B|KiB|MiB) at .+$"));
        await Expect(page.Locator("#usage-memory svg")).ToHaveAttributeAsync("aria-labelledby", "usage-memory-caption");
        await PortalBrowser.ScreenshotAsync(page, "game-usage");
    }
}
