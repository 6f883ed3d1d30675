namespace ZlhGrind.Grains.DevContainers;

/// <summary>The dev container lifecycle (DESIGN §3).</summary>
public enum DevContainerState
{
    Provisioning = 0,
    Installing = 1,

    /// <summary>The runtime is installed and verified (and code-server answers, when enabled).</summary>
    Ready = 2,
    Error = 3,
}

/// <summary>The code-server addon's state.</summary>
public enum CodeServerState
{
    Stopped = 0,
    Starting = 1,
    Running = 2,
    Failed = 3,
}

/// <summary>What a user may ask of code-server.</summary>
public enum CodeServerAction
{
    Start = 1,
    Stop = 2,
    Restart = 3,
}
