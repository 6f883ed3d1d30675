using System.Globalization;

namespace ZlhGrind.Agent.Processes;

/// <summary>
/// What a server leaves behind once it ended: a daemon it started that escaped its process group (setsid, a double
/// fork) still holds ports and files, and a restart beside it fails or corrupts its world. Killed through the
/// server's cgroup (every member), or, without a group, through the shim's process group.
/// </summary>
internal static class Leftovers
{
    // Killed processes leave cgroup.procs as they exit, which a loaded host may take a few milliseconds to schedule.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// SIGKILLs every pid listed in <paramref name="membersFile"/> until it lists none (a member may fork while it is
    /// killed): how many were killed, or null when some were still there after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<int?> KillMembersAsync(string membersFile, TimeSpan timeout)
    {
        var killed = new HashSet<int>();
        var rounds = Math.Max(1, (int)(timeout / PollInterval));
        for (var round = 0; ; round++)
        {
            var members = ReadMembers(membersFile);
            if (members.Count == 0)
            {
                return killed.Count;
            }

            if (round == rounds)
            {
                return null;
            }

            foreach (var pid in members)
            {
                if (Libc.Kill(pid, Signals.Kill) == 0)
                {
                    killed.Add(pid);
                }
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>SIGKILLs the process group led by <paramref name="leader"/> (the shim's session); false when there is none.</summary>
    public static bool KillProcessGroup(int leader) => leader > 1 && Libc.Kill(-leader, Signals.Kill) == 0;

    /// <summary>The pids of a cgroup.procs file; none when the group is gone.</summary>
    internal static List<int> ReadMembers(string membersFile)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(membersFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var pids = new List<int>(lines.Length);
        foreach (var line in lines)
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                pids.Add(pid);
            }
        }

        return pids;
    }
}
