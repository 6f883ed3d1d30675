using System.Globalization;

namespace ZlhGrind.Agent.Processes;

/// <summary>
/// CPU time and resident memory of a process and all its descendants, from /proc/[pid]/stat: a server that forks
/// workers (or a shell that runs the real server as a child) is measured whole.
/// </summary>
internal sealed class ProcessTreeUsage(string procRoot = "/proc")
{
    /// <summary>The kernel's USER_HZ: /proc reports CPU times in 1/100 s on every Linux.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>CPU time used so far and resident bytes now of the tree rooted at <paramref name="rootPid"/>; zeros when it is gone.</summary>
    public (TimeSpan Cpu, long RssBytes) Measure(int rootPid)
    {
        var stats = new Dictionary<int, (int Parent, long Ticks, long RssPages)>();
        foreach (var directory in Directory.EnumerateDirectories(procRoot))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Read(Path.Combine(directory, "stat")) is { } stat)
            {
                stats[pid] = stat;
            }
        }

        if (!stats.ContainsKey(rootPid))
        {
            return (TimeSpan.Zero, 0);
        }

        var children = stats.ToLookup(s => s.Value.Parent, s => s.Key);
        long ticks = 0;
        long pages = 0;
        var pending = new Stack<int>();
        var seen = new HashSet<int>();
        pending.Push(rootPid);
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            if (!seen.Add(pid))
            {
                continue;
            }

            var (_, t, p) = stats[pid];
            ticks += t;
            pages += p;
            foreach (var child in children[pid])
            {
                pending.Push(child);
            }
        }

        return (TimeSpan.FromSeconds(ticks / TicksPerSecond), pages * Environment.SystemPageSize);
    }

    /// <summary>Parent, utime + stime and rss of one stat line; fields are counted after the last ')' (names may hold spaces).</summary>
    internal static (int Parent, long Ticks, long RssPages)? Parse(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }

        // After ") ": index 0 is field 3 (state), 1 the parent (field 4), 11 utime (14), 12 stime (15), 21 rss (24).
        var fields = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 21
            && int.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parent)
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            && long.TryParse(fields[21], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rss)
            ? (parent, user + system, Math.Max(0, rss))
            : null;
    }

    private static (int Parent, long Ticks, long RssPages)? Read(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended between listing and reading it.
            return null;
        }
    }
}
