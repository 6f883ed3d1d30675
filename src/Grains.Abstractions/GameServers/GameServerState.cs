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
