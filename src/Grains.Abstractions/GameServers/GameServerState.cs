namespace ZlhGrind.Grains.GameServers;

/// <summary>The game server lifecycle (DESIGN §3).</summary>
public enum GameServerState
{
    Provisioning = 0,
    Installing = 1,
    Stopped = 2,
    Starting = 3,
    Running = 4,
    Stopping = 5,
    Crashed = 6,

    /// <summary>Supervision gave up; stays until a user starts the server again.</summary>
    Error = 7,
}

/// <summary>How the last requested stop ended: <see cref="Forced"/> when it needed SIGKILL, and why.</summary>
[GenerateSerializer, Immutable, Alias("zlh.StopReport")]
public sealed record StopReport(DateTimeOffset At, bool Forced, string Reason);
