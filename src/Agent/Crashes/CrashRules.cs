using System.Text.RegularExpressions;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Crashes;

/// <summary>
/// The ordered crash-classification table: the first rule that matches decides. Log rules look at
/// the crash's log tail only (the last lines the server printed). Keep this table and the README's
/// copy of it in step.
/// </summary>
internal static partial class CrashRules
{
    public static IReadOnlyList<CrashRule> Ordered { get; } =
    [
        // 0. (In GameSupervisor, before these and the template's rules: the server's cgroup counted a kernel OOM kill
        //    during the run — rule cgroup-oom-kill, oom.)
        // 1. The server says it ran out of memory: the JVM (heap, metaspace, native threads), the kernel's message, an
        //    allocation refused under RLIMIT_AS (C's ENOMEM text, C++'s std::bad_alloc, Python's MemoryError).
        new("java-out-of-memory", CrashClassification.Oom, (_, tail) => OutOfMemory().IsMatch(tail)),

        // 2. Something the server needs is not there; restarting cannot fix it.
        new("missing-shared-library", CrashClassification.MissingDependency, (_, tail) => tail.Contains("error while loading shared libraries", StringComparison.OrdinalIgnoreCase)),
        new("missing-jar", CrashClassification.MissingDependency, (_, tail) => tail.Contains("Unable to access jarfile", StringComparison.OrdinalIgnoreCase)),
        new("wrong-java-version", CrashClassification.MissingDependency, (_, tail) => tail.Contains("java.lang.UnsupportedClassVersionError", StringComparison.Ordinal)),
        new("command-not-found", CrashClassification.MissingDependency, (exit, _) => exit.ExitCode is 126 or 127),

        // 3. A mod or plugin failed to load or enable (Bukkit/Spigot/Paper, Forge, Fabric wording).
        new("mod-or-plugin-failure", CrashClassification.ModOrPluginError, (_, tail) => ModOrPluginFailure().IsMatch(tail)),

        // 4. Ended by a signal with no more specific cause (kill -9, the kernel, a segfault).
        new("killed-by-signal", CrashClassification.UnexpectedExit, (exit, _) => exit.Signal is not null),

        // 5. Ended with a non-zero exit code.
        new("nonzero-exit", CrashClassification.NonzeroExit, (exit, _) => exit.ExitCode is not null and not 0),

        // 6. Anything else: exit code 0 nobody asked for, or an end nobody saw (the shim vanished).
        new("unexpected-exit", CrashClassification.UnexpectedExit, (_, _) => true),
    ];

    [GeneratedRegex(@"java\.lang\.OutOfMemoryError|Out of memory: Killed process|Cannot allocate memory|std::bad_alloc|^MemoryError\b", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex OutOfMemory();

    [GeneratedRegex(
        @"Could not load 'plugins[/\\]|Error occurred while enabling|Could not pass event .* to |Failed to load plugin|"
        + @"ModLoadingException|LoadingFailedException|Failed to load mod|mod .* has failed to load|"
        + @"Incompatible mods? (found|set)|Mod resolution (failed|encountered)|net\.fabricmc\.loader\.impl\.FormattedException",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ModOrPluginFailure();
}

/// <summary>One row of the table: a name for logs, the classification it yields and its test.</summary>
internal sealed record CrashRule(string Name, CrashClassification Classification, Func<ExitStatus, string, bool> Matches);
