namespace ZlhGrind.Grains.GameServers;

/// <summary>Why a game server died, by the ordered rules of the agent's crash classifier.</summary>
public enum CrashClassification
{
    /// <summary>Exited non-zero (or by signal) with no more specific cause found.</summary>
    UnexpectedExit = 0,
    NonzeroExit = 1,
    Oom = 2,
    ModOrPluginError = 3,

    /// <summary>A missing library, jar or binary: restarting will not help.</summary>
    MissingDependency = 4,
}

/// <summary>One crash: when, how it ended, how long it ran, what it printed last and what supervision did next.</summary>
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
    bool GaveUp);
