using System.Globalization;

namespace ZlhGrind.Agent.Processes;

/// <summary>The fields of /proc/[pid]/stat the agent needs; the one parser of that file.</summary>
internal readonly record struct ProcStat(char State, int ParentPid, int ProcessGroup, ulong StartTicks)
{
    /// <summary>Zombies ('Z') and dead tasks ('X') have ended; they only wait to be reaped.</summary>
    public bool IsLiving => State is not ('Z' or 'X' or 'x');

    public static ProcStat? TryRead(int pid) => TryReadFile($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");

    /// <summary>Reads and parses a stat file, or null when it is gone, unreadable or not a stat line.</summary>
    public static ProcStat? TryReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
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

        // After ") " come fields 3 (state) onward: parent pid is field 4, process group 5, start time 22 (index 19 here).
        var fields = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20 || fields[0].Length != 1
            || !int.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parent)
            || !int.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var group)
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return new ProcStat(fields[0][0], parent, group, start);
    }
}
