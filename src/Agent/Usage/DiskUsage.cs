using System.IO.Enumeration;

namespace ZlhGrind.Agent.Usage;

/// <summary>
/// The bytes of regular files under a directory: a bounded walk that never follows a link (a link a tenant planted to
/// a huge file elsewhere is not the server's disk) and stops after a number of entries.
/// </summary>
internal static class DiskUsage
{
    /// <summary>The bytes counted, and whether the walk stopped at <paramref name="maxEntries"/> (the figure is then a lower bound).</summary>
    public static (long Bytes, bool Truncated) Measure(string root, int maxEntries)
    {
        if (!Directory.Exists(root))
        {
            return (0, false);
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = 0,
            ReturnSpecialDirectories = false,
        };
        var entries = new FileSystemEnumerable<long>(
            root,
            static (ref FileSystemEntry entry) => entry.IsDirectory || IsLink(entry) ? 0 : entry.Length,
            options)
        {
            ShouldRecursePredicate = static (ref FileSystemEntry entry) => !IsLink(entry),
        };

        long bytes = 0;
        var count = 0;
        foreach (var length in entries)
        {
            if (++count > maxEntries)
            {
                return (bytes, true);
            }

            bytes += length;
        }

        return (bytes, false);
    }

    private static bool IsLink(in FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) != 0;
}
