using ZlhGrind.Agent.Crashes;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Crashes;

public sealed class CrashClassifierTests
{
    [Theory]
    [InlineData(1, null, "java.lang.OutOfMemoryError: Metaspace", CrashClassification.Oom, "java-out-of-memory")]
    [InlineData(1, null, "Error: Unable to access jarfile paper.jar", CrashClassification.MissingDependency, "missing-jar")]
    [InlineData(1, null, "java.lang.UnsupportedClassVersionError: net/minecraft/server/Main has been compiled by a more recent version", CrashClassification.MissingDependency, "wrong-java-version")]
    [InlineData(127, null, "sh: 1: exec: java: not found", CrashClassification.MissingDependency, "command-not-found")]
    [InlineData(1, null, "[ERROR]: Error occurred while enabling Essentials v2.20 (Is it up to date?)", CrashClassification.ModOrPluginError, "mod-or-plugin-failure")]
    [InlineData(1, null, "net.minecraftforge.fml.ModLoadingException: Create has failed to load correctly", CrashClassification.ModOrPluginError, "mod-or-plugin-failure")]
    [InlineData(1, null, "Incompatible mods found!", CrashClassification.ModOrPluginError, "mod-or-plugin-failure")]
    [InlineData(null, 11, "", CrashClassification.UnexpectedExit, "killed-by-signal")]
    [InlineData(2, null, "[WARN]: Can't keep up!", CrashClassification.NonzeroExit, "nonzero-exit")]
    [InlineData(0, null, "", CrashClassification.UnexpectedExit, "unexpected-exit")]
    [InlineData(null, null, "", CrashClassification.UnexpectedExit, "unexpected-exit")]
    public void Classify_Table_FirstMatchingRuleWins(int? code, int? signal, string tail, CrashClassification expected, string rule)
    {
        var (classification, matched) = CrashClassifier.Classify(new ExitStatus(code, signal), tail);

        Assert.Equal(expected, classification);
        Assert.Equal(rule, matched);
    }

    [Fact]
    public void Classify_OutOfMemoryAndPluginErrorTogether_OomComesFirst()
    {
        var tail = "Could not load 'plugins/Map.jar' in folder 'plugins'\njava.lang.OutOfMemoryError: Java heap space";

        Assert.Equal(CrashClassification.Oom, CrashClassifier.Classify(new ExitStatus(1, null), tail).Classification);
    }

    [Fact]
    public void Classify_SignalWithPluginErrorInLog_PluginErrorComesFirst()
    {
        var tail = "[ERROR]: Error occurred while enabling WorldEdit";

        Assert.Equal(CrashClassification.ModOrPluginError, CrashClassifier.Classify(new ExitStatus(null, 9), tail).Classification);
    }

    [Theory]
    [InlineData("0", 0, null)]
    [InlineData("3\n", 3, null)]
    [InlineData("137", null, 9)]
    [InlineData("143", null, 15)]
    [InlineData("128", 128, null)]
    [InlineData("garbage", null, null)]
    public void ExitStatusParse_ShellWaitStatus_SplitsCodeAndSignal(string text, int? code, int? signal)
    {
        Assert.Equal(new ExitStatus(code, signal), ExitStatus.Parse(text));
    }

    [Fact]
    public void ExitStatusParse_WithTheShimsClock_KeepsWhenTheServerEnded()
    {
        Assert.Equal(new ExitStatus(null, 9, DateTimeOffset.FromUnixTimeSeconds(1_764_500_000)), ExitStatus.Parse("137 1764500000\n"));
    }

    [Fact]
    public void Classify_TemplateRuleMatches_WinsOverTheBuiltInRulesAndIsNamed()
    {
        var rules = new[] { (new System.Text.RegularExpressions.Regex("nope"), CrashClassification.Oom), (new System.Text.RegularExpressions.Regex("Script error in mod \\w+"), CrashClassification.ModOrPluginError) };

        var classified = CrashClassifier.Classify(new ExitStatus(1, null), "java.lang.OutOfMemoryError\nScript error in mod Lightning", rules);

        Assert.Equal((CrashClassification.ModOrPluginError, "template-rule-2"), classified);
    }
}
