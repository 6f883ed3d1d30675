

namespace ZlhGrind.Agent.GameServer;

/// <summary>Where the game server lives and how its process is watched.</summary>
internal sealed class GameServerOptions
{
    public const string SectionName = "Agent:Game";

    /// <summary>The server's working directory (its files); default <c>{DataRoot}/game/server</c>.</summary>
    public string? ServerDirectory { get; set; }

    /// <summary>Where the shim keeps console FIFO, console log, exit status and launch record; default <c>{DataRoot}/game/run</c>.</summary>
    public string? RunDirectory { get; set; }

    /// <summary>How often a reattached server's shim is checked for having ended.</summary>
    public TimeSpan ExitPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Stop the server gracefully when the agent stops, and start it again when the next agent starts
    /// (for a local stack whose Ctrl-C should stop everything). Off by default: an agent restart
    /// leaves the server running and reattaches.
    /// </summary>
    public bool StopServerOnAgentStop { get; set; }

    /// <summary>The console log is rotated (one previous copy kept) beyond this size.</summary>
    public long MaxConsoleLogBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How often the console log size is checked.</summary>
    public TimeSpan ConsoleLogCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the shim may take to report the server's pid.</summary>
    public TimeSpan LaunchTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
