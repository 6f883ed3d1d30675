namespace ZlhGrind.Grains.Containers;

/// <summary>Whether the container's agent is heard from; a separate axis from the lifecycle state.</summary>
public enum Connectivity
{
    /// <summary>No agent has connected yet.</summary>
    Unknown = 0,
    Connected = 1,

    /// <summary>Three heartbeat intervals passed without a heartbeat.</summary>
    Unreachable = 2,
}
