using System.Globalization;
using System.Text;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>Reads the process table from /proc. Processes come and go while it reads, so any one that vanishes is skipped.</summary>
internal sealed class ProcFs(string root = "/proc")
{
    /// <summary>Every process that could be read; zombies included (their state is 'Z').</summary>
    public IReadOnlyList<ProcEntry> Snapshot()
    {
        var entries = new List<ProcEntry>();
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Read(pid) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>One process, or null when it is gone (or unreadable).</summary>
    public ProcEntry? Read(int pid)
    {
        var directory = Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            var stat = File.ReadAllText(Path.Combine(directory, "stat"));

            // The command name sits in parentheses and may itself hold spaces or ')': the last ')' ends it.
            var close = stat.LastIndexOf(')');
            if (close < 0 || close + 2 >= stat.Length)
            {
                return null;
            }

            var fields = stat[(close + 2)..].Split(' ');
            if (fields.Length < 20)
            {
                return null;
            }

            var cmdline = File.ReadAllBytes(Path.Combine(directory, "cmdline"));
            var arguments = Encoding.UTF8.GetString(cmdline).Split('\0', StringSplitOptions.None).ToList();
            if (arguments.Count > 0 && arguments[^1].Length == 0)
            {
                arguments.RemoveAt(arguments.Count - 1);
            }

            return new ProcEntry(
                pid,
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[2], CultureInfo.InvariantCulture),
                ulong.Parse(fields[19], CultureInfo.InvariantCulture),
                fields[0].Length > 0 ? fields[0][0] : '?',
                arguments,
                ReadLink(Path.Combine(directory, "exe")),
                ReadLink(Path.Combine(directory, "cwd")));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether the process that had <paramref name="pid"/> at <paramref name="startTicks"/> still runs (not a zombie).</summary>
    public bool IsAlive(int pid, ulong startTicks) =>
        Read(pid) is { } entry && entry.StartTicks == startTicks && entry.State != 'Z';

    /// <summary>Processes whose executable, working directory or command line reaches into <paramref name="directory"/>.</summary>
    public IReadOnlyList<ProcEntry> ProcessesUsing(string directory)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + "/";
        bool Within(string? path) => path is not null
            && (path.StartsWith(prefix, StringComparison.Ordinal) || path + "/" == prefix);

        return Snapshot()
            .Where(entry => entry.State != 'Z'
                && (Within(entry.Executable) || Within(entry.WorkingDirectory) || entry.CommandLine.Any(Within)))
            .ToList();
    }

    private static string? ReadLink(string path)
    {
        try
        {
            var target = new FileInfo(path).LinkTarget;

            // The kernel marks a deleted file's link as "<path> (deleted)"; the path still says where it was.
            const string deleted = " (deleted)";
            return target is not null && target.EndsWith(deleted, StringComparison.Ordinal) ? target[..^deleted.Length] : target;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
