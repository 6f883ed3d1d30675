using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Crashes;

/// <summary>Applies <see cref="CrashRules.Ordered"/> to a crash: the first match wins.</summary>
internal static class CrashClassifier
{
    public static (CrashClassification Classification, string Rule) Classify(ExitStatus exit, string logTail)
    {
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

    /// <summary>The wire names used in logs, the README and the portal.</summary>
    public static string WireName(CrashClassification classification) => classification switch
    {
        CrashClassification.Oom => "oom",
        CrashClassification.ModOrPluginError => "mod_or_plugin_error",
        CrashClassification.MissingDependency => "missing_dependency",
        CrashClassification.NonzeroExit => "nonzero_exit",
        _ => "unexpected_exit",
    };
}
