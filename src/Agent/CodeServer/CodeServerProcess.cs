namespace ZlhGrind.Agent.CodeServer;

/// <summary>A code-server process found in /proc: its pid, start time (against pid reuse), process group and port.</summary>
internal sealed record CodeServerProcess(int Pid, ulong StartTicks, int ProcessGroup, int? Port);
