using System.Globalization;

namespace ZlhGrind.Agent.Limits;

/// <summary>Reads and writes cgroup control files: an existing file written whole, without truncation or creation.</summary>
internal static class CgroupFiles
{
    public static void Write(string path, string value)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var bytes = System.Text.Encoding.ASCII.GetBytes(value);
        file.Write(bytes);
    }

    public static void Write(string path, long value) => Write(path, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>The number after <paramref name="key"/> in a "key value" per line file (memory.events, memory.oom_control), or null.</summary>
    public static long? ReadKeyed(string path, string key)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key)
                && long.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The words of a one-line file (cgroup.controllers, cgroup.subtree_control), empty when unreadable.</summary>
    public static IReadOnlySet<string> ReadWords(string path)
    {
        try
        {
            return File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>Removes a group directory (rmdir); false when it still holds processes or cannot be removed.</summary>
    public static bool TryRemoveGroup(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: false);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
