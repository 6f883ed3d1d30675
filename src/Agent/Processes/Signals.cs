namespace ZlhGrind.Agent.Processes;

/// <summary>POSIX signals sent to processes the agent does not own as <see cref="System.Diagnostics.Process"/> objects (a reattached server).</summary>
internal static class Signals
{
    public const int Term = 15;
    public const int Kill = 9;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="process"/> if it is still that very process; false when it is gone.</summary>
    public static bool Send(ProcessIdentity process, int signal)
    {
        // The identity check narrows (cannot close) the window in which a recycled pid is hit.
        if (!process.IsAlive())
        {
            return false;
        }

        return Libc.Kill(process.Pid, signal) == 0;
    }

    /// <summary>
    /// Signals the process group when <paramref name="pid"/> leads one (its helpers then go too), else the
    /// process alone; false when it is gone.
    /// </summary>
    public static bool SendToGroup(int pid, int processGroup, int signal) =>
        Libc.Kill(processGroup == pid ? -pid : pid, signal) == 0;
}
