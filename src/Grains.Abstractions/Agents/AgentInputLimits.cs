namespace ZlhGrind.Grains.Agents;

/// <summary>
/// The largest values a container grain takes from an agent (README: "Agent input limits"). A heartbeat, hello
/// or report over a limit is refused whole and names the field; an event over a limit is refused on its own
/// (named in the report's ack) and nothing of it is stored.
/// </summary>
public static class AgentInputLimits
{
    /// <summary>Characters of an agent version (hello and heartbeat).</summary>
    public const int AgentVersion = 64;

    /// <summary>Characters of an error or state-change reason.</summary>
    public const int Reason = 4 * 1024;

    /// <summary>Characters of an IDE endpoint (<c>ip:port</c>).</summary>
    public const int IdeEndpoint = 64;

    /// <summary>Installed runtimes listed in a heartbeat, and kept in a dev container's record.</summary>
    public const int Runtimes = 64;

    /// <summary>Characters of a runtime name or version (catalog names and versions are at most 32).</summary>
    public const int RuntimeName = 64;

    /// <summary>Characters of an install phase.</summary>
    public const int InstallPhase = 64;

    /// <summary>Events in one report (the agent's outbox sends at most this many at a time).</summary>
    public const int EventsPerReport = 100;

    /// <summary>Characters of a crash record's log tail (the agent keeps 8 KiB).</summary>
    public const int CrashLogTail = 16 * 1024;
}
