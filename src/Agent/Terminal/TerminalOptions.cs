namespace ZlhGrind.Agent.Terminal;

/// <summary>The dev terminal's settings (section <c>Agent:Terminal</c>).</summary>
internal sealed class TerminalOptions
{
    public const string SectionName = "Agent:Terminal";

    /// <summary>Output each session keeps for reattaching clients (256 KiB).</summary>
    public int ScrollbackBytes { get; set; } = 256 * 1024;

    /// <summary>A session nobody is attached to for this long is ended.</summary>
    public TimeSpan DetachedLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sessions one container may have open at once.</summary>
    public int MaxSessions { get; set; } = 8;

    /// <summary>How long after a replay the client's answers to the replayed queries are dropped (see QueryReplyFilter).</summary>
    public TimeSpan ReplyWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An ended session's shell gets SIGHUP; its process group is killed if it is still there after this.</summary>
    public TimeSpan EndTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most bytes one input write may carry.</summary>
    public int MaxInputBytes { get; set; } = 64 * 1024;
}
