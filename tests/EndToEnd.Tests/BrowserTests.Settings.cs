namespace ZlhGrind.EndToEnd.Tests;

/// <summary>The Settings tab's form: PATCH of what was edited, "applies at the next start", and the gateway's refusal shown as it is.</summary>
public sealed partial class BrowserTests
{
    [Fact]
    public async Task SettingsTab_MemoryChangedThenAnEmptyStartCommand_SavedThenTheRefusalShownAndNothingChanged()
    {
        var (id, _) = await portal.Platform.ProvisionGameAsync();
        var page = await portal.SignedInAsync($"/containers/{id}/settings");
        await Expect(page.Locator("#settings-pending")).ToHaveTextAsync("Game server changes apply at the next start (or restart).");
        await Expect(page.Locator("#settings-memoryMb")).ToHaveValueAsync("1024");

        await page.FillAsync("#settings-memoryMb", "2048");
        await page.ClickAsync("#settings-save");

        await Expect(page.Locator("#settings-result")).ToHaveTextAsync("Saved: applies at the next start.");
        var saved = await portal.Platform.StatusAsync(id);
        Assert.Equal((2048, 2L), (saved.GetProperty("game").GetProperty("memoryMb").GetInt32(), saved.GetProperty("desiredGeneration").GetInt64()));

        await page.FillAsync("#settings-start-command", "");
        await page.ClickAsync("#settings-save");

        await Expect(page.Locator("#settings-result")).ToHaveTextAsync("startCommand is required with template generic.");
        var refused = await portal.Platform.StatusAsync(id);
        Assert.Equal(2L, refused.GetProperty("desiredGeneration").GetInt64());
        Assert.StartsWith("sh ", refused.GetProperty("game").GetProperty("startCommand").GetString(), StringComparison.Ordinal);
    }
}
