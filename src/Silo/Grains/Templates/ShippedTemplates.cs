using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Silo.Grains.Templates;

/// <summary>The templates a fresh catalog starts with: Minecraft Java (vanilla, Paper, Fabric, Forge) and generic.</summary>
internal static class ShippedTemplates
{
    private const string Version = "1";

    // Every Minecraft Java server prints this once the world is loaded and the port is bound.
    private const string MinecraftDone = @"Done \([^)]*\)! For help";

    private static readonly TimeSpan MinecraftStopStep = TimeSpan.FromSeconds(30);

    private static readonly StopMethod MinecraftStop = new("stop", Signal: 15, MinecraftStopStep);

    public static IReadOnlyList<GameTemplate> All { get; } =
    [
        Minecraft(
            "minecraft-vanilla", "Minecraft Java, vanilla server.jar.", "server.jar", modsDirectory: null, startTimeout: TimeSpan.FromMinutes(5),
            crashRules: []),
        Minecraft(
            "minecraft-paper", "Minecraft Java on Paper (plugins in plugins/).", "paper.jar", "plugins", TimeSpan.FromMinutes(5),
            [new(@"Ambiguous plugin name|Could not load plugin .* UnknownDependencyException", CrashClassification.ModOrPluginError)]),
        Minecraft(
            "minecraft-fabric", "Minecraft Java on Fabric (mods in mods/).", "fabric-server-launch.jar", "mods", TimeSpan.FromMinutes(10),
            [new(@"Mixin apply for mod \S+ failed|MixinApplyError", CrashClassification.ModOrPluginError)]),
        new GameTemplate(
            "minecraft-forge",
            Version,
            "Minecraft Java on Forge 1.17+ (mods in mods/), started from its unix_args.txt like Forge's run.sh.",
            ["java", "-Xms{{memoryMb}}M", "-Xmx{{memoryMb}}M", "@libraries/net/minecraftforge/forge/{{forgeVersion}}/unix_args.txt", "--port", "{{port}}", "nogui"],
            StartCommandEditable: false,
            DefaultPort: 25565,
            [new("forgeVersion", "The Forge build installed in libraries/ (Minecraft version-Forge version).", "1.20.1-47.3.0", VariableKind.Text, Pattern: "[0-9][0-9A-Za-z.+-]{0,63}")],
            MinecraftStop,
            new Readiness(MinecraftDone, ProbePort: false, TimeSpan.FromMinutes(10)),
            [new(@"MixinApplyError|Mixin apply failed|Missing or unsupported mandatory dependencies", CrashClassification.ModOrPluginError)],
            "mods",
            [],
            Install: null),
        new GameTemplate(
            GameTemplateRules.Generic,
            Version,
            "Any server: the start command is yours (run by /bin/sh); stop by your console command if given, then SIGTERM.",
            [],
            StartCommandEditable: true,
            DefaultPort: null,
            [],
            new StopMethod(ConsoleCommand: null, Signal: 15, TimeSpan.FromSeconds(30)),
            new Readiness(ConsolePattern: null, ProbePort: false, TimeSpan.FromMinutes(5)),
            [],
            ModsDirectory: null,
            [],
            Install: null),
    ];

    private static GameTemplate Minecraft(string name, string description, string jar, string? modsDirectory, TimeSpan startTimeout, IReadOnlyList<TemplateCrashRule> crashRules) =>
        new(
            name,
            Version,
            description,
            ["java", "-Xms{{memoryMb}}M", "-Xmx{{memoryMb}}M", "-jar", "{{jarFile}}", "--port", "{{port}}", "nogui"],
            StartCommandEditable: false,
            DefaultPort: 25565,
            [new("jarFile", "The server jar in the server directory.", jar, VariableKind.Text, Pattern: @"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.jar")],
            MinecraftStop,
            new Readiness(MinecraftDone, ProbePort: false, startTimeout),
            crashRules,
            modsDirectory,
            [],
            Install: null);
}
