using System.Globalization;

namespace ZlhGrind.Agent.Processes;

/// <summary>
/// Removes a directory the agent configured and everything below it through directory descriptors: every entry is
/// opened with O_NOFOLLOW relative to its parent and removed with unlinkat, so a link a tenant planted is removed as a
/// link and nothing outside the tree is ever touched, whatever it points at.
/// </summary>
internal static class TreeRemover
{
    /// <summary>
    /// The most directories held open on the way down. A tenant may nest directories deeper than any thread's stack
    /// or the descriptor limit; a directory met below this depth is renamed up into the tree's root and emptied from there.
    /// </summary>
    internal const int MaxOpenDepth = 64;

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

    private static void RemoveEntry(int parent, string name)
    {
        if (Libc.StatusNoFollow(parent, name) is not { } status)
        {
            return;
        }

        if (status.Type != Libc.Directory)
        {
            Libc.Remove(parent, name, isDirectory: false);
            return;
        }

        // An explicit stack, not recursion: the depth is the tenant's choice.
        var open = new Stack<Level>();
        try
        {
            open.Push(Level.Open(parent, name));
            var root = open.Peek();
            var moved = 0;
            while (open.TryPeek(out var level))
            {
                if (!level.Pending.TryDequeue(out var entry))
                {
                    open.Pop();
                    Libc.Close(level.Fd);
                    Libc.Remove(level.Parent, level.Name, isDirectory: true);
                    continue;
                }

                if (Libc.StatusNoFollow(level.Fd, entry) is not { } entryStatus)
                {
                    continue;
                }

                if (entryStatus.Type != Libc.Directory)
                {
                    Libc.Remove(level.Fd, entry, isDirectory: false);
                }
                else if (open.Count < MaxOpenDepth)
                {
                    open.Push(Level.Open(level.Fd, entry));
                }
                else
                {
                    // renameat moves the directory itself (a link is never followed); the root empties it later.
                    var up = FreeName(root.Fd, ref moved);
                    Libc.Rename(level.Fd, entry, root.Fd, up);
                    root.Pending.Enqueue(up);
                }
            }
        }
        finally
        {
            while (open.TryPop(out var level))
            {
                Libc.Close(level.Fd);
            }
        }
    }

    /// <summary>A name nothing has in the root yet, for a directory moved up.</summary>
    private static string FreeName(int root, ref int moved)
    {
        while (true)
        {
            var name = ".zlh-removing-" + (++moved).ToString(CultureInfo.InvariantCulture);
            if (Libc.StatusNoFollow(root, name) is null)
            {
                return name;
            }
        }
    }

    /// <summary>The names in an open directory, read through its descriptor (the magic link is the directory itself, not a path).</summary>
    private static Queue<string> Names(int fd) =>
        new(Directory.EnumerateFileSystemEntries($"/proc/self/fd/{fd}").Select(Path.GetFileName).OfType<string>());

    /// <summary>One open directory on the way down: where it is, its descriptor, and the entries still to remove.</summary>
    private sealed class Level(int parent, string name, int fd, Queue<string> pending)
    {
        public int Parent { get; } = parent;

        public string Name { get; } = name;

        public int Fd { get; } = fd;

        public Queue<string> Pending { get; } = pending;

        public static Level Open(int parent, string name)
        {
            var fd = Libc.OpenDirectoryNoFollow(parent, name);
            try
            {
                return new Level(parent, name, fd, Names(fd));
            }
            catch
            {
                Libc.Close(fd);
                throw;
            }
        }
    }
}
