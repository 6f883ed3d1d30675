using System.Text.RegularExpressions;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Crashes;

/// <summary>Applies a template's crash rules, then <see cref="CrashRules.Ordered"/>, to a crash: the first match wins.</summary>
internal static class CrashClassifier
{
    public static (CrashClassification Classification, string Rule) Classify(ExitStatus exit, string logTail) =>
        Classify(exit, logTail, []);

    /// <summary>The template's own rules first (named <c>template-rule-N</c>, N from 1), then the built-in table.</summary>
    public static (CrashClassification Classification, string Rule) Classify(
        ExitStatus exit, string logTail, IReadOnlyList<(Regex Pattern, CrashClassification Classification)> templateRules)
    {
        for (var i = 0; i < templateRules.Count; i++)
        {
            try
            {
                if (templateRules[i].Pattern.IsMatch(logTail))
                {
                    return (templateRules[i].Classification, $"template-rule-{(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}");
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // Only a backtracking pattern can time out (LaunchPlan.Pattern matches the silo's non-backtracking
                // ones without a timeout): one too slow for this tail decides nothing, and the next rule is tried.
            }
        }

        foreach (var rule in CrashRules.Ordered)
        {
            if (rule.Matches(exit, logTail))
            {
                return (rule.Classification, rule.Name);
            }
        }

        // Unreachable: the table ends with a catch-all; kept so a future edit cannot throw here.
        return (CrashClassification.UnexpectedExit, "none");
    }
}
