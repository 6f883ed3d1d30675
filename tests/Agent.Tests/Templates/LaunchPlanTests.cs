using System.Text.RegularExpressions;
using ZlhGrind.Agent.Templates;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Agent.Tests.Templates;

public sealed class LaunchPlanTests
{
    [Fact]
    public void Pattern_LinearEngine_MatchedWithoutAWallClockTimeout()
    {
        var pattern = LaunchPlan.Pattern(@"Done \(\d+\.\d+s\)! For help");

        Assert.True(pattern.Options.HasFlag(RegexOptions.NonBacktracking));
        Assert.Equal(Regex.InfiniteMatchTimeout, pattern.MatchTimeout);
        Assert.Matches(pattern, "[12:00:01] [Server thread/INFO]: Done (12.345s)! For help, type \"help\"");
    }

    [Fact]
    public void Pattern_ConstructOnlyTheBacktrackingEngineHas_KeepsTheConfiguredTimeout()
    {
        // A back-reference: a template stored before the linear-engine rule still compiles, and keeps its timeout.
        var pattern = LaunchPlan.Pattern(@"(\w+) \1 failed");

        Assert.False(pattern.Options.HasFlag(RegexOptions.NonBacktracking));
        Assert.Equal(GameTemplateRules.MatchTimeout, pattern.MatchTimeout);
        Assert.Matches(pattern, "plugin plugin failed");
    }
}
