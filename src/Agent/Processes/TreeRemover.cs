namespace ZlhGrind.Agent.Processes;

/// <summary>
/// Removes a directory the agent configured and everything below it through directory descriptors: every entry is
/// opened with O_NOFOLLOW relative to its parent and removed with unlinkat, so a link a tenant planted is removed as a
/// link and nothing outside the tree is ever touched, whatever it points at.
/// </summary>
internal static class TreeRemover
{
    /// <summary>Removes <paramref name="path"/> (its last component must not be a link) and its contents; nothing there is fine.</summary>
    public static void RemoveTree(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var parentPath = Path.GetDirectoryName(full) ?? throw new IOException($"{full} has no parent directory to remove it from.");
        int parent;
        try
        {
            // The parent comes from the agent's own configuration; only what lies below it is tenant ground.
            parent = Libc.OpenDirectory(parentPath);
        }
        catch (IOException ex) when (ex.HResult == Libc.ENOENT)
        {
            return;
        }

        try
        {
            RemoveEntry(parent, Path.GetFileName(full));
        }
        finally
        {
            Libc.Close(parent);
        }
    }

    private static void RemoveEntry(int directory, string name)
    {
        if (Libc.StatusNoFollow(directory, name) is not { } status)
        {
            return;
        }

        if (status.Type != Libc.Directory)
        {
            Libc.Remove(directory, name, isDirectory: false);
            return;
        }

        var child = Libc.OpenDirectoryNoFollow(directory, name);
        try
        {
            foreach (var entry in Names(child))
            {
                RemoveEntry(child, entry);
            }
        }
        finally
        {
            Libc.Close(child);
        }

        Libc.Remove(directory, name, isDirectory: true);
    }

    /// <summary>The names in an open directory, read through its descriptor (the magic link is the directory itself, not a path).</summary>
    private static List<string> Names(int fd) =>
        [.. Directory.EnumerateFileSystemEntries($"/proc/self/fd/{fd}").Select(Path.GetFileName).OfType<string>()];
}
