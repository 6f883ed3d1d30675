using System.Globalization;

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

/// <summary>The two fields of /proc/[pid]/stat the agent needs.</summary>
internal readonly record struct ProcStat(char State, ulong StartTicks)
{
    /// <summary>Zombies ('Z') and dead tasks ('X') have ended; they only wait to be reaped.</summary>
    public bool IsLiving => State is not ('Z' or 'X' or 'x');

    public static ProcStat? TryRead(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        return Parse(text);
    }

    /// <summary>Parses a stat line; the command name may contain spaces and parentheses, so fields are counted after the last ')'.</summary>
    public static ProcStat? Parse(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }

        // After ") " come fields 3 (state) onward; start time is field 22, i.e. index 19 here.
        var fields = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20 || fields[0].Length != 1
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return new ProcStat(fields[0][0], start);
    }
}
