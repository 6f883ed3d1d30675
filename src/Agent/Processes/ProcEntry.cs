namespace ZlhGrind.Agent.Processes;

/// <summary>One process as /proc describes it; <see cref="StartTicks"/> tells a reused pid from the original.</summary>
internal sealed record ProcEntry(
    int Pid,
    int ParentPid,
    int ProcessGroup,
    ulong StartTicks,
    char State,
    IReadOnlyList<string> CommandLine,
    string? Executable,
    string? WorkingDirectory);
