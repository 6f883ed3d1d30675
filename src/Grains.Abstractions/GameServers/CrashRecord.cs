using System.Text.Json.Serialization;

namespace ZlhGrind.Grains.GameServers;

/// <summary>
/// Why a game server died, by the ordered rules of the agent's crash classifier. Spelled snake_case wherever it is
/// written as text (API, live events, logs, docs): the member names below are the one spelling.
/// </summary>
public enum CrashClassification
{
    /// <summary>Exited non-zero (or by signal) with no more specific cause found.</summary>
    [JsonStringEnumMemberName("unexpected_exit")]
    UnexpectedExit = 0,

    [JsonStringEnumMemberName("nonzero_exit")]
    NonzeroExit = 1,

    [JsonStringEnumMemberName("oom")]
    Oom = 2,

    [JsonStringEnumMemberName("mod_or_plugin_error")]
    ModOrPluginError = 3,

    /// <summary>A missing library, jar or binary: restarting will not help.</summary>
    [JsonStringEnumMemberName("missing_dependency")]
    MissingDependency = 4,

    /// <summary>The template's readiness did not hold within its start timeout; the server was stopped.</summary>
    [JsonStringEnumMemberName("start_timeout")]
    StartTimeout = 5,
}

/// <summary>The one text spelling of a <see cref="CrashClassification"/>.</summary>
public static class CrashClassifications
{
    /// <summary>The snake_case name used in JSON, events, logs and docs.</summary>
    public static string WireName(this CrashClassification classification) => classification switch
    {
        CrashClassification.Oom => "oom",
        CrashClassification.ModOrPluginError => "mod_or_plugin_error",
        CrashClassification.MissingDependency => "missing_dependency",
        CrashClassification.NonzeroExit => "nonzero_exit",
        CrashClassification.StartTimeout => "start_timeout",
        _ => "unexpected_exit",
    };
}

/// <summary>
/// One crash: when, how it ended, how long it ran, what it printed last and what supervision did next; for a
/// <c>mod_or_plugin_error</c>, <see cref="ChangedMods"/> names the mods changed since the server last became ready.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.CrashRecord")]
public sealed record CrashRecord(
    Guid Id,
    DateTimeOffset At,
    int? ExitCode,
    int? Signal,
    TimeSpan Uptime,
    CrashClassification Classification,
    string LogTail,
    int ConsecutiveCrashes,
    TimeSpan? RestartDelay,
    bool GaveUp,
    IReadOnlyList<string>? ChangedMods = null);
