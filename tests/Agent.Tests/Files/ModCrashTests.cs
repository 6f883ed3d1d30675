using System.IO.Compression;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Testing;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Mods;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Agent.Tests.Files;

/// <summary>A mod_or_plugin_error crash names the mods changed since the server last became ready (a real process, a real plugin jar).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ModCrashTests : IDisposable
{
    private const string PluginError = """
        echo "[12:00:01 ERROR]: Could not load 'plugins/shop.jar' in folder 'plugins'"
        echo "org.bukkit.plugin.InvalidPluginException: java.lang.ClassNotFoundException: com.example.shop.Main"
        exit 1
        """;

    // Generous: a loaded CI machine starts processes slowly; the waits end as soon as the condition holds.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Crash_ModOrPluginErrorAfterAnInstall_NamesTheInstalledMod()
    {
        using var mods = await InstallShopAsync();
        await using var harness = new SupervisorHarness(_dir);
        var supervisor = harness.Create();
        supervisor.ModChanges = mods;
        supervisor.Configure(ReadyOnDone(_dir.Script("server.sh", PluginError)));
        await supervisor.StartAsync();

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        var crash = await CrashAsync(harness);

        Assert.Equal(CrashClassification.ModOrPluginError, crash.Classification);
        Assert.Equal(["shop.jar"], crash.ChangedMods);
    }

    private static async Task<CrashRecord> CrashAsync(SupervisorHarness harness)
    {
        await Wait.UntilAsync(() => harness.Events.All.OfType<GameCrashed>().Any(), Bound, "the server crashed");
        return harness.Events.All.OfType<GameCrashed>().Single().Crash;
    }

    private static GameServerSpec ReadyOnDone(string script) => SupervisorHarness.Spec(script) with
    {
        Launch = new GameLaunch("1", [], null, new StopMethod(null, 15, TimeSpan.FromSeconds(10)), @"Done \(", null, TimeSpan.FromMinutes(5), [], "plugins", [], null),
    };

    /// <summary>Installs plugins/shop.jar through the mods manager from a jar put in the server's directory.</summary>
    private async Task<ModsManager> InstallShopAsync()
    {
        var server = Directory.CreateDirectory(_dir.Combine("server")).FullName;
        using (var zip = ZipFile.Open(Path.Combine(server, "upload.jar"), ZipArchiveMode.Create))
        {
            await using var writer = new StreamWriter(await zip.CreateEntry("plugin.yml").OpenAsync());
            await writer.WriteAsync("name: Shop\nversion: 1.2\n");
        }

        var options = new FilesOptions();
        var mods = new ModsManager(_dir.Combine("state"), options, TimeProvider.System);
        using var root = ConfinedRoot.Open(server, options, new FileRootPolicy(null, [], "plugins"));
        var installed = await mods.InstallAsync(root, null, "plugins", "shop.jar", new ModSource("upload.jar", null, null), upgrade: false, CancellationToken.None);
        Assert.Equal(("Shop", "1.2", true), (installed.ModId, installed.Version, installed.Managed));
        Assert.Equal(["shop.jar"], mods.ChangedSinceCleanRun());
        return mods;
    }
}
