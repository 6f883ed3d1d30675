namespace ZlhGrind.Agent.Processes;

/// <summary>
/// A process as the kernel knows it: its pid plus its start time in clock ticks since boot
/// (field 22 of /proc/[pid]/stat). The pair survives agent restarts and is never reused, so a
/// recycled pid is not mistaken for the server.
/// </summary>
internal readonly record struct ProcessIdentity(int Pid, ulong StartTicks)
{
    /// <summary>Reads the identity of a live (not zombie) process, or null when there is none with that pid.</summary>
    public static ProcessIdentity? TryRead(int pid)
    {
        var stat = ProcStat.TryRead(pid);
        return stat is { IsLiving: true } s ? new ProcessIdentity(pid, s.StartTicks) : null;
    }

    /// <summary>True while this very process is alive: same pid, same start time, not a zombie.</summary>
    public bool IsAlive()
    {
        var stat = ProcStat.TryRead(Pid);
        return stat is { IsLiving: true } s && s.StartTicks == StartTicks;
    }
}
