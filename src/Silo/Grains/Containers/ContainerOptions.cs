using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>How container grains judge their agents and keep history.</summary>
internal sealed class ContainerOptions
{
    public const string SectionName = "Containers";

    /// <summary>How often agents heartbeat (sent to them on connect).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each silo sweeps the connectivity watch for agents whose deadline passed (real time).</summary>
    public TimeSpan WatchSweepPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed intervals after which an agent is unreachable.</summary>
    public int MissedHeartbeats { get; set; } = 3;

    /// <summary>Crash records kept per game server, newest first.</summary>
    public int CrashHistoryLimit { get; set; } = 50;

    /// <summary>Live events a container grain keeps in memory for clients that reconnect with <c>Last-Event-ID</c>.</summary>
    public int EventReplayBuffer { get; set; } = 64;

    /// <summary>How long a turn waits for a live event to be accepted by the stream before it goes on without it (the event stays in the replay buffer).</summary>
    public TimeSpan EventPublishTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest log tail kept with a crash record, in characters (the agent keeps 8 KiB; longer tails are refused).</summary>
    public int MaxLogTailBytes { get; set; } = AgentInputLimits.CrashLogTail;

    /// <summary>Reports and connects an agent may send at once before it has to wait for tokens.</summary>
    public int ReportBurst { get; set; } = 100;

    /// <summary>One more report or connect is allowed per this interval (default 10 a second).</summary>
    public TimeSpan ReportRefill { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Heartbeats an agent may send at once; more are answered but not recorded.</summary>
    public int HeartbeatBurst { get; set; } = 20;

    /// <summary>One more heartbeat is recorded per this interval (agents beat every 5 s).</summary>
    public TimeSpan HeartbeatRefill { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How far ahead of the silo's clock an agent's timestamp may be; later ones are taken as "now".</summary>
    public TimeSpan MaxAgentClockSkew { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How far ahead an agent may schedule something it reports (a crash restart); later is cut to this.</summary>
    public TimeSpan MaxAgentScheduleAhead { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a deletion waits for the agent to confirm (stopped, data removed) before the grain finishes without it;
    /// the final event then says the data was not removed.
    /// </summary>
    public TimeSpan DeleteAgentGrace { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan UnreachableAfter => HeartbeatInterval * MissedHeartbeats;
}
