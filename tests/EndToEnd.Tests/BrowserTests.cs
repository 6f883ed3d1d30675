using System.Text.Json;
using Microsoft.Playwright;
using ZlhGrind.EndToEnd.Tests.Platform;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>A person's path through the portal, in the system's headless Chromium driven by Playwright (one file per capability: BrowserTests.*.cs).</summary>
[Collection(PlatformCollection.Name)]
public sealed partial class BrowserTests(PortalBrowser portal) : IClassFixture<PortalBrowser>
{
    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    // How long the shared game server ran before it crashed depends on the tests before (one already running for a
    // minute shows "1 min 31 s"): any of the portal's duration shapes.
    private const string Uptime = "\\d+(\\.\\d)? (s|min|h|d)( \\d+ (s|min|h))?";

    [Fact]
    public async Task GamePage_EachPowerAction_ShowsTheStatesTheServerWentThrough()
    {
        await portal.GameIsAsync("Stopped");
        var crashesBefore = (await portal.Platform.StatusAsync(portal.GameId)).GetProperty("crashes").GetProperty("total").GetInt32();
        var page = await portal.SignedInAsync($"/containers/{portal.GameId}");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Stopped");
        await Expect(page.Locator("#events[data-live=yes]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#dev-actions")).ToHaveCountAsync(0);
        await Expect(page.Locator("#tab-mods")).ToHaveCountAsync(1);

        await page.ClickAsync("[data-power=start]");
        await Expect(page.Locator("#message span")).ToHaveTextAsync("Start requested. The agent applies it at its next heartbeat.");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Running");
        await Expect(page.Locator("[data-fact=pid]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^pid \\d+$"));
        var firstPid = await page.Locator("[data-fact=pid]").TextContentAsync();

        await page.ClickAsync("[data-power=restart]");
        await Expect(page.Locator("#events li[data-kind=stateChanged][data-state=Stopped]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Running");
        await Expect(page.Locator("[data-fact=pid]")).Not.ToHaveTextAsync(firstPid!);
        await Expect(page.Locator("[data-fact=pid]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^pid \\d+$"));

        await page.ClickAsync("[data-power=stop]");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Stopped");
        await page.ClickAsync("[data-power=start]");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Running");
        await page.ClickAsync("[data-power=kill]");
        await Expect(page.Locator("#message span")).ToHaveTextAsync("Kill requested. The agent applies it at its next heartbeat.");
        // A kill is a stop that did not ask the server: it arrives as a forced stop, not an ordinary state change.
        await Expect(page.Locator("#events li[data-kind=stopForced][data-state=Stopped]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#events li[data-kind=stateChanged][data-state=Stopped]")).ToHaveCountAsync(2);
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Stopped");

        // Newest first on the page: read back in the order they happened.
        var seen = (await page.Locator("#events li[data-kind=stateChanged], #events li[data-kind=stopForced]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.state)")).Reverse().ToArray();
        await PortalBrowser.ScreenshotAsync(page, "game-power");
        Assert.Equal(
            ["Starting", "Running", "Stopping", "Stopped", "Starting", "Running", "Stopping", "Stopped", "Starting", "Running", "Stopping", "Stopped"],
            seen);
        // A requested stop or kill is never a crash.
        Assert.Equal(crashesBefore, (await portal.Platform.StatusAsync(portal.GameId)).GetProperty("crashes").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task CrashesTab_ServerCrashes_ShowsLabelEndDurationRestartAndLogTail()
    {
        await portal.GameIsAsync("Running");
        var page = await portal.SignedInAsync($"/containers/{portal.GameId}/crashes");
        await Expect(page.Locator("#tab-crashes")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#crashes-state")).ToHaveTextAsync("No crashes recorded.");
        await Expect(page.Locator("#events[data-live=yes]")).ToHaveCountAsync(1);

        await File.AppendAllTextAsync(portal.Platform.ConsoleOf(portal.GameId), "crash plugin\n");

        var crash = page.Locator("#crashes li").First;
        await Expect(crash).ToHaveAttributeAsync("data-classification", "mod_or_plugin_error");
        await Expect(page.Locator("#crashes-state")).ToHaveTextAsync("1 crash recorded, newest first.");
        await Expect(crash.Locator(".crash-head")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(
            $"^mod or plugin error · (\\d+ seconds? ago|now) · exit code 1 after {Uptime} · 1 in a row · restart after 3 s$"));
        await Expect(crash.Locator("time")).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("^[A-Z][a-z]{2} \\d{1,2}, \\d{4}, \\d{1,2}:\\d{2}:\\d{2}\\s[AP]M$"));
        await Expect(crash.Locator("pre.log-tail")).ToContainTextAsync("Could not load 'plugins/StandInPlugin-1.0.jar' in folder 'plugins'");
        await Expect(page.Locator("#events li[data-kind=crashed]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(
            $"^crashed: mod or plugin error, exit code 1 after {Uptime} · (\\d+ seconds? ago|now)$"));

        // Restarted after its 3 s backoff, with the crash in the overview.
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Running");
        await page.ClickAsync("#tab-overview");
        await Expect(page.Locator("[data-fact=crashes]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^1, last .+ \\(mod or plugin error\\)$"));

        // The overview's readiness and usage of the running server, in words and units.
        await Expect(page.Locator("[data-fact=readiness]")).ToHaveTextAsync("desired running; the agent has applied every change");
        await Expect(page.Locator("[data-fact=uptime]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(\\d+(\\.\\d)? (ms|s)|\\d+ min( \\d+ s)?)$"));
        await Expect(page.Locator("[data-fact=cpu]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^\\d+(\\.\\d)?%$"));
        await Expect(page.Locator("[data-fact=memory]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^\\d+(\\.\\d)? (B|KiB|MiB|GiB)$"));
        await page.ClickAsync("#tab-crashes");
        await PortalBrowser.ScreenshotAsync(page, "game-crashes");
    }

    [Fact]
    public async Task DevPage_CodeServerToggleAndOpenIde_IdeTabConnectsWithoutAHandleOnThePortal()
    {
        var page = await portal.SignedInAsync($"/containers/{portal.DevId}");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Ready");
        await Expect(page.Locator("#events[data-live=yes]")).ToHaveCountAsync(1);

        // The live stream opens with a status document (event: status): it updates the page and adds no event line.
        await Expect(page.Locator("#events li", new() { HasTextString = "undefined" })).ToHaveCountAsync(0);
        await Expect(page.Locator("#game-actions")).ToHaveCountAsync(0);
        await Expect(page.Locator("#tab-mods")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-fact=installed]")).ToHaveTextAsync($"{Platform.Platform.Runtime} 1.0.0");
        await Expect(page.Locator("[data-fact=runtime]")).ToHaveTextAsync($"{Platform.Platform.Runtime} 1.0.0");
        var toggle = page.Locator("#code-server-toggle");
        await Expect(toggle).ToHaveAttributeAsync("data-state", "Running");
        await Expect(toggle).ToBeCheckedAsync();

        await toggle.UncheckAsync();
        await Expect(page.Locator("#message span")).ToHaveTextAsync("code-server stop requested. The agent applies it at its next heartbeat.");
        await Expect(toggle).ToHaveAttributeAsync("data-state", "Stopped");
        await Expect(toggle).Not.ToBeCheckedAsync();
        await Expect(page.Locator("label.switch span")).ToHaveTextAsync("code-server: Stopped");
        await toggle.CheckAsync();
        await Expect(toggle).ToHaveAttributeAsync("data-state", "Running");
        await Expect(page.Locator("label.switch span")).ToHaveTextAsync("code-server: Running");

        var ide = await page.Context.RunAndWaitForPageAsync(() => page.ClickAsync("#open-ide"));
        await Expect(ide.Locator("#status")).ToHaveTextAsync("connected");
        await PortalBrowser.ScreenshotAsync(page, "dev-overview");
        await ide.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(PortalBrowser.Screenshots, "ide.png") });
        Assert.Equal($"{portal.Platform.GatewayUrl}/__ide/{portal.DevId}/", ide.Url);
        Assert.Equal("hello", await ide.Locator("#echo").TextContentAsync());
        Assert.True(await ide.EvaluateAsync<bool>("() => window.opener === null"), "the IDE tab must not hold a handle on the portal");
        Assert.Null(await ide.EvaluateAsync<string?>("() => sessionStorage.getItem('zlh.token')"));

        // Using the IDE is activity: the overview shows when, and "Keep running" starts the idle countdown again.
        await Expect(page.Locator("[data-fact=last-activity]")).Not.ToHaveTextAsync("none yet", new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-fact=idle-stop] time")).ToHaveCountAsync(1);
        await page.ClickAsync("#keep-running");
        await Expect(page.Locator("#message span")).ToHaveTextAsync("code-server keeps running: its idle countdown started again.");
    }

    [Fact]
    public async Task Provision_FromTheCatalogs_CredentialOnceAndThePrintedCommandStartsTheAgent()
    {
        var page = await portal.SignedInAsync("/provision", new BrowserNewContextOptions { Locale = "en-US", Permissions = ["clipboard-read", "clipboard-write"] });
        await Expect(page.Locator("#runtime option")).ToHaveTextAsync([Platform.Platform.Runtime]);
        await Expect(page.Locator("#runtime-version option")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("^1\\.0\\.0 \\(promoted\\) · \\d+ B$")]);
        Assert.Equal("1.0.0", await page.Locator("#runtime-version").InputValueAsync());

        var script = Path.Combine(Repo.Root, "tools", "StandInGameServer", "stand-in-server.sh");
        await page.FillAsync("#game-start", $"sh {script}");
        await page.ClickAsync("#new-game button[type=submit]");
        await Expect(page.Locator("#credential")).ToBeVisibleAsync();
        var credential = (await page.Locator("#credential-value").TextContentAsync())!;
        var id = long.Parse((await page.Locator("#go-to-container").GetAttributeAsync("href"))!["/containers/".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var command = (await page.Locator("#agent-command").TextContentAsync())!;
        await page.ClickAsync("#copy-credential");
        await Expect(page.Locator("#copy-credential-state")).ToHaveTextAsync("Copied.");
        Assert.Equal(credential, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await page.ClickAsync("#copy-command");
        await Expect(page.Locator("#copy-command-state")).ToHaveTextAsync("Copied.");
        Assert.Equal(command, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await Expect(page.Locator("#credential")).Not.ToContainTextAsync("null");
        await PortalBrowser.ScreenshotAsync(page, "provisioned");

        var credentialFile = Path.Combine(portal.Platform.Root, "portal-agent", "agent.credential");
        Assert.Equal(43, credential.Length);
        Assert.Equal(
            $"""
            mkdir -p {Path.GetDirectoryName(credentialFile)}
            (umask 077 && rm -f {credentialFile} && printf '%s' {credential} > {credentialFile})
            exec dotnet {Repo.Binary("src/Agent", "ZlhGrind.Agent")} \
              --Agent:ContainerId={id} \
              --Agent:Kind=game \
              --Agent:CredentialFile={credentialFile} \
              --Agent:Cluster:Gateways:0=127.0.0.1:{portal.Platform.SiloGatewayPort} \
              --Agent:Cluster:Tls:Enabled=true \
              --Agent:Cluster:Tls:CaCertificate={Path.Combine(portal.Platform.TlsDirectory, "ca.pem")}
            """,
            command);

        // A refused action says why, in the problem's own words; nothing changes.
        await page.ClickAsync("#go-to-container");
        await Assertions.Expect(page).ToHaveURLAsync($"{portal.Platform.GatewayUrl}/containers/{id}");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Provisioning");
        await page.ClickAsync("[data-power=start]");
        await Expect(page.Locator("#message span")).ToHaveTextAsync($"Game server {id} is still provisioning; it can start once installed.");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Provisioning");
        await Expect(page.Locator("#detail-connectivity")).ToHaveTextAsync("agent no agent yet");
        await PortalBrowser.ScreenshotAsync(page, "refused-action");

        // The command as printed, run by a shell; the harness only adds where this agent keeps its files.
        var agent = portal.Platform.RunShell($"pasted-agent-{id}", command, new Dictionary<string, string>
        {
            ["Agent__DataRoot"] = portal.Platform.AgentData(id),
            ["Agent__Cluster__HeartbeatInterval"] = "00:00:01",
            ["Agent__Game__StopServerOnAgentStop"] = "true",
        });
        await Expect(page.Locator("#detail-connectivity")).ToHaveTextAsync("agent connected");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Stopped");
        Assert.False(agent.HasExited);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentialFile));
        await agent.StopAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Provision_TemplatePicked_FieldsForItsVariablesWithHintsAndTheGatewayChecksTheValues()
    {
        var page = await portal.SignedInAsync("/provision", new BrowserNewContextOptions { Locale = "en-US" });
        await Expect(page.Locator("#game-template option")).ToHaveTextAsync(["generic", "minecraft-fabric", "minecraft-forge", "minecraft-paper", "minecraft-vanilla"]);
        Assert.Equal("generic", await page.Locator("#game-template").InputValueAsync());
        await Expect(page.Locator("#game-start")).ToBeVisibleAsync();
        await Expect(page.Locator("#template-variables [data-variable]")).ToHaveCountAsync(0);

        await page.SelectOptionAsync("#game-template", "minecraft-paper");
        await Expect(page.Locator("#game-start")).Not.ToBeVisibleAsync();
        await Expect(page.Locator("#template-variables [data-variable]")).ToHaveCountAsync(2);
        await Expect(page.Locator("#game-var-port")).ToHaveValueAsync("25565");
        await Expect(page.Locator("#game-var-port")).ToHaveAttributeAsync("max", "65535");
        await Expect(page.Locator("#game-var-port-hint")).ToHaveTextAsync("The port the server listens on. — a whole number from 1024 to 65535");
        await Expect(page.Locator("#game-var-jarFile-hint")).ToContainTextAsync(@"must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}\.jar");

        // A value the template's rule refuses: the gateway's own words, and nothing is provisioned.
        await page.FillAsync("#game-var-jarFile", "paper.jar; rm -rf /");
        await page.ClickAsync("#new-game button[type=submit]");
        await Expect(page.Locator("#message span")).ToHaveTextAsync(@"variables.jarFile must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}\.jar.");
        await Expect(page.Locator("#credential")).ToBeHiddenAsync();

        await page.FillAsync("#game-var-jarFile", "paper-1.21.jar");
        await page.FillAsync("#game-var-port", "25570");
        await page.ClickAsync("#new-game button[type=submit]");
        await Expect(page.Locator("#credential")).ToBeVisibleAsync();
        await PortalBrowser.ScreenshotAsync(page, "provisioned-from-template");
        var id = long.Parse((await page.Locator("#go-to-container").GetAttributeAsync("href"))!["/containers/".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("minecraft-paper", (await portal.Platform.StatusAsync(id)).GetProperty("game").GetProperty("template").GetString());
    }

    [Fact]
    public async Task ConsoleTab_CommandTyped_ServerAnswersOnScreenAndTheConsoleResumesAfterAReload()
    {
        await portal.GameIsAsync("Running");
        var page = await portal.SignedInAsync($"/containers/{portal.GameId}/console");
        var screen = page.Locator("#console-screen .xterm-rows");
        await Expect(page.Locator("#console-state")).ToHaveTextAsync("Connected. The server is Running.");
        await Expect(screen).ToContainTextAsync("For help, type");

        await page.FillAsync("#console-command", "say hello from chromium");
        await page.PressAsync("#console-command", "Enter");
        await Expect(screen).ToContainTextAsync("[Server] hello from chromium");
        await Expect(page.Locator("#console-command")).ToHaveValueAsync("");
        await PortalBrowser.ScreenshotAsync(page, "game-console");

        // A command over 1 KiB (past the field's own limit) is refused by the cluster, and the page says why.
        await page.EvaluateAsync("() => document.querySelector('#console-command').removeAttribute('maxlength')");
        await page.FillAsync("#console-command", new string('x', 1025));
        await page.PressAsync("#console-command", "Enter");
        await Expect(page.Locator("#console-state")).ToHaveTextAsync("A command is at most 1024 bytes (got 1025).");

        // After a reload the console comes back with its history (the answer above) and takes commands again.
        await page.ReloadAsync();
        await portal.SignInAsync(page);
        await Expect(screen).ToContainTextAsync("[Server] hello from chromium");
        await page.FillAsync("#console-command", "say again");
        await page.PressAsync("#console-command", "Enter");
        await Expect(screen).ToContainTextAsync("[Server] again");
    }

    [Fact]
    public async Task TerminalTab_CommandTyped_ShellAnswersAsTheDevUserAndAReloadResumesTheSameShell()
    {
        var page = await portal.SignedInAsync($"/containers/{portal.DevId}/terminal");
        var screen = page.Locator("#terminal-screen .xterm-rows");
        await Expect(page.Locator("#terminal-state")).ToHaveTextAsync("Connected.");
        await Expect(page.Locator("#tab-console")).ToHaveCountAsync(0);
        // Typed only once the shell shows its prompt, as a person would: what a login profile reads from the
        // terminal before then (typeahead) is the profile's, not the shell's.
        await Expect(screen).ToContainTextAsync(new System.Text.RegularExpressions.Regex("[$#]"));

        await page.Locator("#terminal-screen .xterm-helper-textarea").FocusAsync();
        await page.Keyboard.TypeAsync("echo $USER:$((6*7)) pid=$$");
        await page.Keyboard.PressAsync("Enter");
        await Expect(screen).ToContainTextAsync($"{Environment.UserName}:42 pid=");
        var pid = System.Text.RegularExpressions.Regex.Match(await screen.InnerTextAsync(), @":42 pid=(\d+)").Groups[1].Value;
        await PortalBrowser.ScreenshotAsync(page, "dev-terminal");

        // A reload resumes the same shell (the session id is kept for the tab): the same $$ answers.
        await page.ReloadAsync();
        await portal.SignInAsync(page);
        await Expect(page.Locator("#terminal-state")).ToHaveTextAsync("Connected.");
        await page.Locator("#terminal-screen .xterm-helper-textarea").FocusAsync();
        await page.Keyboard.TypeAsync("echo again=$$");
        await page.Keyboard.PressAsync("Enter");
        await Expect(screen).ToContainTextAsync($"again={pid}");
        Assert.NotEqual(string.Empty, pid);
    }

    [Fact]
    public async Task SettingsTab_DeleteConfirmed_ContainerGoneFromTheListAndItsPageSaysSo()
    {
        // A container whose agent never connected is deleted at once (there is no agent to wait for).
        var (id, _) = await portal.Platform.ProvisionGameAsync();
        var page = await portal.SignedInAsync($"/containers/{id}/settings");
        string? asked = null;
        page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            await dialog.AcceptAsync();
        };

        await page.ClickAsync("#delete-container");

        await Expect(page.Locator("#message span")).ToHaveTextAsync($"Container {id} was deleted.");
        await Assertions.Expect(page).ToHaveURLAsync(portal.Platform.GatewayUrl + "/");
        await Expect(page.Locator($"#containers tbody tr[data-id='{portal.GameId}']")).ToHaveCountAsync(1);
        await Expect(page.Locator($"#containers tbody tr[data-id='{id}']")).ToHaveCountAsync(0);
        Assert.Equal($"Delete container {id}? Its data is removed. This cannot be undone.", asked);
        await page.GotoAsync($"{portal.Platform.GatewayUrl}/containers/{id}");
        await portal.SignInAsync(page);
        await Expect(page.Locator("#detail-error")).ToHaveTextAsync($"Container {id} does not exist, or it is not yours.");
    }

    [Fact]
    public async Task DeepLink_ReloadAsksForTheTokenThenShowsTheSameTab_TabsFollowTheKeyboard()
    {
        var path = $"/containers/{portal.GameId}/crashes";
        var page = await portal.SignedInAsync(path);
        await Expect(page.Locator("#tab-crashes")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#panel-crashes")).ToBeVisibleAsync();

        await page.ReloadAsync();
        await Expect(page.Locator("#portal")).ToBeHiddenAsync();
        await portal.SignInAsync(page);
        await Assertions.Expect(page).ToHaveURLAsync(portal.Platform.GatewayUrl + path);
        await Expect(page.Locator("#tab-crashes")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#panel-overview")).ToBeHiddenAsync();

        await page.FocusAsync("#tab-crashes");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#tab-settings")).ToBeFocusedAsync();
        await Expect(page.Locator("#tab-settings")).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(page).ToHaveURLAsync($"{portal.Platform.GatewayUrl}/containers/{portal.GameId}/settings");
        await Expect(page.Locator("#delete-container")).ToHaveTextAsync($"Delete container {portal.GameId}");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#tab-overview")).ToHaveAttributeAsync("aria-selected", "true");
        await page.Keyboard.PressAsync("End");
        await Expect(page.Locator("#tab-settings")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Home");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#tab-console")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#console-form")).ToBeVisibleAsync();
        Assert.Equal(["-1", "0", "-1", "-1", "-1", "-1"], await page.Locator("[role=tab]").EvaluateAllAsync<string[]>("tabs => tabs.map(t => String(t.tabIndex))"));

        // The list leads back here; the browser's back button returns to the tab.
        await page.ClickAsync("text=← All containers");
        await Expect(page.Locator($"#containers tbody tr[data-id='{portal.GameId}']")).ToHaveCountAsync(1);
        await page.GoBackAsync();
        await Expect(page.Locator("#tab-console")).ToHaveAttributeAsync("aria-selected", "true");
    }

    [Fact]
    public async Task PhoneWidth_ListAndContainerPage_FitWithoutSideways()
    {
        var page = await portal.SignedInAsync($"/containers/{portal.GameId}", new BrowserNewContextOptions
        {
            Locale = "en-US",
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
        });
        await Expect(page.Locator("#detail-state")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("#events[data-live=yes]")).ToHaveCountAsync(1);
        await PortalBrowser.ScreenshotAsync(page, "phone-390-container");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the container page scrolls sideways at 390 px");

        await page.ClickAsync("text=← All containers");
        await Expect(page.Locator("#containers tbody tr")).Not.ToHaveCountAsync(0);
        await PortalBrowser.ScreenshotAsync(page, "phone-390-list");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the list scrolls sideways at 390 px");
    }

    [Fact]
    public async Task LiveEvents_GatewayRestarts_StaleNoticeThenReconnectsWithLastEventId()
    {
        await portal.GameIsAsync("Running");
        var page = await portal.SignedInAsync($"/containers/{portal.GameId}");
        var lastEventIds = new List<string?>();
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/events", StringComparison.Ordinal))
            {
                lock (lastEventIds)
                {
                    lastEventIds.Add(request.Headers.GetValueOrDefault("last-event-id"));
                }
            }
        };
        await Expect(page.Locator("#events[data-live=yes]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#events-state")).ToHaveTextAsync("Live");

        await portal.Platform.KillGatewayAsync();
        await Expect(page.Locator("#events-state")).ToHaveAttributeAsync("data-state", "stale");
        await Expect(page.Locator("#events-state")).ToContainTextAsync("what is shown may be out of date");
        await Expect(page.Locator("#events[data-live=yes]")).ToHaveCountAsync(0);
        await page.ClickAsync("[data-power=stop]");
        await Expect(page.Locator("#message span")).ToHaveTextAsync("The gateway cannot be reached: check your connection, or whether the platform is running.");
        await PortalBrowser.ScreenshotAsync(page, "gateway-down");

        await portal.Platform.StartGatewayAgainAsync();
        await Expect(page.Locator("#events[data-live=yes]")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await Expect(page.Locator("#events-state")).ToHaveTextAsync("Live");
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Running");

        // Live again: a change made elsewhere shows up on its own.
        await portal.Platform.SendAsync(HttpMethod.Post, $"/api/servers/{portal.GameId}/power", portal.Platform.Token, new { action = "stop" });
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Stopped");
        string?[] sent;
        lock (lastEventIds)
        {
            sent = [.. lastEventIds];
        }

        // Every reconnection names the last event the page has (the first request, fresh, may come before the listener).
        var reconnects = sent.Length > 0 && sent[0] is null ? sent[1..] : sent;
        Assert.NotEmpty(reconnects);
        Assert.All(reconnects, id => Assert.Matches("^\\d+$", id));
    }

    [Fact]
    public async Task States_LoadingThenEmptyOrNotYours_SaidInWords()
    {
        // Someone who has nothing yet: the list says it is loading (its answer held back), then that there is nothing.
        var newcomer = await portal.Platform.MintAsync("e2e-newcomer", op: false);
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US" });
        var page = await context.NewPageAsync();
        var list = new TaskCompletionSource();
        await page.RouteAsync("**/api/servers", async route =>
        {
            await list.Task;
            await route.ContinueAsync();
        });
        await page.GotoAsync(portal.Platform.GatewayUrl + "/");
        await PortalBrowser.SignInAsync(page, newcomer);
        await Expect(page.Locator("#containers-state")).ToHaveTextAsync("Loading containers…");
        await Expect(page.Locator("#containers-state")).ToHaveAttributeAsync("role", "status");
        list.SetResult();
        await Expect(page.Locator("#containers-state")).ToHaveTextAsync("No containers yet. Provision one.");
        await Expect(page.Locator("#containers")).ToBeHiddenAsync();
        await PortalBrowser.ScreenshotAsync(page, "list-empty");

        // Another user's container: loading while its status is on the way, then the API's refusal in words.
        var status = new TaskCompletionSource();
        await page.RouteAsync($"**/api/servers/{portal.GameId}/status", async route =>
        {
            await status.Task;
            await route.ContinueAsync();
        });
        await page.GotoAsync($"{portal.Platform.GatewayUrl}/containers/{portal.GameId}");
        await PortalBrowser.SignInAsync(page, newcomer);
        await Expect(page.Locator("#detail-loading")).ToHaveTextAsync($"Loading container {portal.GameId}…");
        await Expect(page.Locator("#detail")).ToHaveAttributeAsync("aria-busy", "true");
        status.SetResult();
        await Expect(page.Locator("#detail-error")).ToHaveTextAsync($"Container {portal.GameId} does not exist, or it is not yours.");
        await Expect(page.Locator("#detail")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(page.Locator("[data-power]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task EveryPage_ControlsHaveNamesAndTextMeetsAaContrast()
    {
        var checkedPages = new List<string>();
        var problems = new List<string>();
        async Task CheckAsync(IPage page, string what)
        {
            checkedPages.Add(what);
            problems.AddRange((await page.EvaluateAsync<string[]>(AccessibilityProbe)).Select(problem => $"{what}: {problem}"));
        }

        var page = await portal.SignedInAsync("/");
        await Expect(page.Locator($"#containers tbody tr[data-id='{portal.GameId}']")).ToHaveCountAsync(1);
        await CheckAsync(page, "list");
        foreach (var (id, tabs) in new[] { (portal.GameId, new[] { "overview", "crashes", "settings" }), (portal.DevId, ["overview", "settings"]) })
        {
            await page.GotoAsync($"{portal.Platform.GatewayUrl}/containers/{id}");
            await portal.SignInAsync(page);
            await Expect(page.Locator("#events[data-live=yes]")).ToHaveCountAsync(1);
            foreach (var tab in tabs)
            {
                await page.ClickAsync($"#tab-{tab}");
                await Expect(page.Locator($"#panel-{tab}")).ToBeVisibleAsync();
                await CheckAsync(page, $"container {id} {tab}");
            }
        }

        await page.GotoAsync($"{portal.Platform.GatewayUrl}/provision");
        await portal.SignInAsync(page);
        await Expect(page.Locator("#runtime option")).ToHaveTextAsync([Platform.Platform.Runtime]);
        await CheckAsync(page, "provision");

        Assert.Equal(7, checkedPages.Count);
        Assert.Empty(problems);

        // The probe sees what it looks for: a pale line and a button without a name, added to the page.
        await page.EvaluateAsync("""
            () => {
              const pale = document.createElement('p');
              pale.id = 'probe-pale';
              pale.style.color = '#aaaaaa';
              pale.textContent = 'pale';
              const unnamed = document.createElement('button');
              unnamed.id = 'probe-unnamed';
              document.body.append(pale, unnamed);
            }
            """);
        Assert.Equal(
            ["p#probe-pale \"pale\" contrast 2.32:1 < 4.5:1", "button#probe-unnamed \"\" has no accessible name"],
            await page.EvaluateAsync<string[]>(AccessibilityProbe));
    }

    /// <summary>
    /// In the page: every visible control without an accessible name (label, aria-label(ledby), text, title), and every
    /// visible text whose colour on its background is under WCAG AA (4.5:1, 3:1 for large text). Disabled controls and
    /// the terminal are exempt, as WCAG exempts inactive parts.
    /// </summary>
    private const string AccessibilityProbe = """
        () => {
          const rgb = (css) => {
            const parts = css.match(/[\d.]+/g).map(Number);
            return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
          };
          const luminance = ({ r, g, b }) => {
            const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
            return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
          };
          const background = (element) => {
            for (let e = element; e; e = e.parentElement) {
              const colour = rgb(getComputedStyle(e).backgroundColor);
              if (colour.a > 0) return colour;
            }
            return { r: 255, g: 255, b: 255, a: 1 };
          };
          const name = (element) => {
            const labelledBy = element.getAttribute('aria-labelledby');
            const fromIds = labelledBy ? labelledBy.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : '';
            const labels = element.labels ? [...element.labels].map((l) => l.textContent).join(' ') : '';
            return [element.getAttribute('aria-label'), fromIds, labels, element.matches('input, select, textarea') ? '' : element.textContent, element.title]
              .filter(Boolean).join(' ').trim();
          };
          const describe = (element) => `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''} "${(element.textContent ?? '').trim().slice(0, 40)}"`;
          const problems = [];
          for (const element of document.querySelectorAll('body *')) {
            if (element.getClientRects().length === 0 || getComputedStyle(element).visibility === 'hidden') continue;
            if (element.closest('[disabled], .xterm, [aria-hidden=true]')) continue;
            if (element.matches('input:not([type=hidden]), select, textarea, button, a[href], [role=tab]') && name(element) === '') {
              problems.push(`${describe(element)} has no accessible name`);
            }
            if (![...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== '')) continue;
            const style = getComputedStyle(element);
            const [a, b] = [luminance(rgb(style.color)), luminance(background(element))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            const size = parseFloat(style.fontSize);
            const needed = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66) ? 3 : 4.5;
            if (ratio < needed) problems.push(`${describe(element)} contrast ${ratio.toFixed(2)}:1 < ${needed}:1`);
          }
          return problems;
        }
        """;

    [Fact]
    public async Task FormatModule_InThePage_ReadableDurationsSizesTimesAndEveryClassification()
    {
        var page = await portal.SignedInAsync("/");
        var english = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const f = await import('/js/format.js');
              const { parseFrame } = await import('/js/events.js');
              return {
                durations: ['00:00:04.2874410', '00:00:00.8500000', '00:00:42', '00:02:00', '00:02:05', '00:30:00', '01:05:00', '1.02:03:04', null].map(f.duration),
                sizes: [512, 1536, 1536 * 1024, 2 * 1024 ** 3].map(f.bytes),
                percent: f.percent(12.5),
                relative: [f.relative(new Date(Date.now() - 125000).toISOString()), f.relative(new Date(Date.now() + 30000).toISOString())],
                exact: f.exact('2026-11-30T13:04:05Z').length > 0,
                connectivity: ['Unknown', 'Connected', 'Unreachable'].map(f.connectivity),
                unknown: f.classification('SomethingNewHere'),
                frame: parseFrame('id: 7\nevent: stateChanged\ndata: {"a":1}'),
              };
            }
            """);
        Assert.Equal(["4.3 s", "850 ms", "42 s", "2 min", "2 min 5 s", "30 min", "1 h 5 min", "1 d 2 h", "—"], english.GetProperty("durations").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["512 B", "1.5 KiB", "1.5 MiB", "2 GiB"], english.GetProperty("sizes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("12.5%", english.GetProperty("percent").GetString());
        Assert.Equal(["2 minutes ago", "in 30 seconds"], english.GetProperty("relative").EnumerateArray().Select(e => e.GetString()));
        Assert.True(english.GetProperty("exact").GetBoolean());
        Assert.Equal(["no agent yet", "connected", "unreachable"], english.GetProperty("connectivity").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("something new here", english.GetProperty("unknown").GetString());
        var frame = english.GetProperty("frame");
        Assert.Equal(("stateChanged", "7", "{\"a\":1}"), (frame.GetProperty("type").GetString(), frame.GetProperty("id").GetString(), frame.GetProperty("data").GetString()));

        // Every value of the enum the API writes, by its snake_case wire name: a new value fails here until it has a label.
        var labels = new Dictionary<string, string>
        {
            ["unexpected_exit"] = "unexpected exit",
            ["nonzero_exit"] = "non-zero exit",
            ["oom"] = "out of memory",
            ["mod_or_plugin_error"] = "mod or plugin error",
            ["missing_dependency"] = "missing dependency",
            ["start_timeout"] = "not ready in time",
        };
        Assert.Equal(labels.Keys.Order(), Enum.GetValues<CrashClassification>().Select(c => c.WireName()).Order());
        var shown = await page.EvaluateAsync<string[]>("async names => { const f = await import('/js/format.js'); return names.map(f.classification); }", labels.Keys.ToArray());
        Assert.Equal(labels.Values, shown);

        // The browser's locale decides separators and words.
        var german = await portal.SignedInAsync("/", new BrowserNewContextOptions { Locale = "de-DE" });
        var inGerman = await german.EvaluateAsync<string[]>("""
            async () => {
              const f = await import('/js/format.js');
              return [f.duration('00:00:04.2874410'), f.bytes(1536 * 1024), f.relative(new Date(Date.now() - 125000).toISOString())];
            }
            """);
        Assert.Equal(["4,3 s", "1,5 MiB", "vor 2 Minuten"], inGerman);
    }
}
