namespace ZlhGrind.Grains.GameServers;

/// <summary>
/// What a game server is: a catalog template, the user's variables and memory, and what the silo rendered from them
/// (<see cref="Launch"/>; the start command is shown rendered, and is free text only for the generic template).
/// <see cref="DiskMb"/> caps what the file manager may write (null = no platform quota); <see cref="CpuPercent"/> is the
/// CPU share in percent of one core (null = unlimited).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.GameServerSpec")]
public sealed record GameServerSpec(
    string Template,
    string StartCommand,
    string? StopCommand,
    int MemoryMb,
    IReadOnlyDictionary<string, string>? Variables = null,
    Templates.GameLaunch? Launch = null,
    int? DiskMb = null,
    int? CpuPercent = null);

/// <summary>The power actions a user may request.</summary>
public enum PowerAction
{
    Start = 1,
    Stop = 2,
    Restart = 3,

    /// <summary>SIGKILL at once, bypassing the queue of other actions.</summary>
    Kill = 4,
}

/// <summary>Whether the user wants the server up or down.</summary>
public enum DesiredPower
{
    Stopped = 0,
    Running = 1,
}

/// <summary>The game part of the desired spec. A power action is a numbered request so a repeated one is never lost or applied twice.</summary>
[GenerateSerializer, Immutable, Alias("zlh.GameDesired")]
public sealed record GameDesired(GameServerSpec Spec, DesiredPower Power, long PowerRequest, PowerAction? LastAction);

/// <summary>
/// A change to a game server's spec (<c>PATCH /api/servers/{id}</c>), JSON merge semantics: a null member leaves that part
/// unchanged; <see cref="Variables"/> replaces only the names it gives. <see cref="TemplateVersion"/> re-renders with the
/// catalog's template, which must be at that version; <see cref="StartCommand"/> only for an editable template.
/// <see cref="ExpectedGeneration"/>, when given, must equal the desired generation the caller read (else 409: another
/// update came first). <see cref="ClearDiskMb"/> / <see cref="ClearCpuPercent"/> remove that limit (JSON: the member given as
/// null). Applied by the agent at the server's next start.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.GameServerUpdate")]
public sealed record GameServerUpdate(
    IReadOnlyDictionary<string, string>? Variables = null,
    int? MemoryMb = null,
    int? DiskMb = null,
    int? CpuPercent = null,
    string? TemplateVersion = null,
    string? StartCommand = null,
    long? ExpectedGeneration = null,
    bool ClearDiskMb = false,
    bool ClearCpuPercent = false);
