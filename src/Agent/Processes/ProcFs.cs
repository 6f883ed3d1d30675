using System.Globalization;
using System.Net;
using System.Text;

namespace ZlhGrind.Agent.Processes;

/// <summary>Reads the process table from /proc. Processes come and go while it reads, so any one that vanishes is skipped.</summary>
internal sealed class ProcFs(string root = "/proc")
{
    // TCP_LISTEN as /proc/net/tcp prints the state.
    private const string ListenState = "0A";
    private const string SocketPrefix = "socket:[";

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
            if (ProcStat.TryReadFile(Path.Combine(directory, "stat")) is not { } stat)
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
                stat.ParentPid,
                stat.ProcessGroup,
                stat.StartTicks,
                stat.State,
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
        ProcStat.TryReadFile(Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "stat")) is { IsLiving: true } stat
        && stat.StartTicks == startTicks;

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

    /// <summary>
    /// Inodes of the TCP sockets listening on <paramref name="address"/>:<paramref name="port"/> (IPv4 and IPv6 tables;
    /// an IPv4-mapped IPv6 address counts as the IPv4 one). With <paramref name="overlapping"/>, also those a bind to that
    /// address would clash with (a wildcard on either side). Only this network namespace's sockets are visible.
    /// </summary>
    public IReadOnlySet<ulong> ListeningSockets(IPAddress address, int port, bool overlapping = false)
    {
        var wanted = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        bool Matches(IPAddress local) => local.Equals(wanted) || (overlapping && (IsWildcard(local) || IsWildcard(wanted)));
        var inodes = new HashSet<ulong>();
        foreach (var table in new[] { "net/tcp", "net/tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(root, table));
            }
            catch (IOException)
            {
                // No IPv6 in this kernel or namespace.
                continue;
            }

            // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."; the first line is the header.
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] != ListenState)
                {
                    continue;
                }

                var colon = fields[1].IndexOf(':', StringComparison.Ordinal);
                if (colon < 0
                    || !int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var localPort)
                    || localPort != port
                    || ParseAddress(fields[1][..colon]) is not { } local
                    || !Matches(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local)
                    || !ulong.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                    || inode == 0)
                {
                    continue;
                }

                inodes.Add(inode);
            }
        }

        return inodes;
    }

    /// <summary>Pids of the processes holding one of the <paramref name="sockets"/> open (from /proc/[pid]/fd, readable only for processes the agent may inspect).</summary>
    public IReadOnlyList<int> ProcessesHolding(IReadOnlySet<ulong> sockets)
    {
        var holders = new List<int>();
        if (sockets.Count == 0)
        {
            return holders;
        }

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(directory, "fd")))
                {
                    if (ReadLink(fd) is { } target && SocketInode(target) is { } inode && sockets.Contains(inode))
                    {
                        holders.Add(pid);
                        break;
                    }
                }
            }
            catch (IOException)
            {
                // Gone while reading.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's process, when the agent is not root: not one it could manage anyway.
            }
        }

        return holders;
    }

    /// <summary>The real and effective uid of a process (the Uid line of /proc/[pid]/status), or null when it is gone.</summary>
    public (int Real, int Effective)? Uids(int pid) => Uids(Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "status"));

    /// <summary>The same for the status file at <paramref name="statusPath"/> (also /proc/self/status).</summary>
    public static (int Real, int Effective)? Uids(string statusPath) => StatusIds(statusPath, "Uid:");

    /// <summary>The real and effective gid from a status file.</summary>
    public static (int Real, int Effective)? Gids(string statusPath) => StatusIds(statusPath, "Gid:");

    private static (int Real, int Effective)? StatusIds(string statusPath, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                // "Uid:\treal\teffective\tsaved\tfs"
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
                    return (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture));
                }
            }
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        return null;
    }

    /// <summary>An address as /proc/net/tcp* prints it: the bytes of each 32-bit word in host order, in hex.</summary>
    internal static IPAddress? ParseAddress(string hex)
    {
        if (hex.Length is not (8 or 32))
        {
            return null;
        }

        var bytes = Convert.FromHexString(hex);
        if (BitConverter.IsLittleEndian)
        {
            for (var word = 0; word < bytes.Length; word += 4)
            {
                Array.Reverse(bytes, word, 4);
            }
        }

        return new IPAddress(bytes);
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static ulong? SocketInode(string target) =>
        target.StartsWith(SocketPrefix, StringComparison.Ordinal) && target.EndsWith(']')
            && ulong.TryParse(target.AsSpan(SocketPrefix.Length, target.Length - SocketPrefix.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
            ? inode
            : null;

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
