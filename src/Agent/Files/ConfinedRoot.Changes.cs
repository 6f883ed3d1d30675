using Microsoft.Win32.SafeHandles;
using ZlhGrind.Agent.Runtimes;
using static ZlhGrind.Agent.Files.FileSyscalls;

namespace ZlhGrind.Agent.Files;

/// <summary>The operations that change the tree: write, mkdir, rename, chmod, delete, copy.</summary>
internal sealed partial class ConfinedRoot
{
    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> (at most <see cref="FilesOptions.MaxWriteBytes"/>, counted as
    /// read), through a temporary file renamed over the old one; a link of that name is replaced, never written through.
    /// </summary>
    public async Task<long> WriteAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var relative = NormalizeNotRoot(path);
        Denylist.Check(relative, isDirectory: false);
        using var parent = OpenParent(relative, out var name, followLinks: true, path);
        var existing = Stat(parent, name, out _);
        if (existing is { IsDirectory: true })
        {
            throw FileOperationException.FromErrno(EISDIR, path);
        }

        await using var pending = PendingFile.Create(parent, Quota, Options.MaxWriteBytes, existing is { IsRegular: true } old ? old.Permissions : NewFileMode, path);
        await content.CopyToAsync(pending.Stream, cancellationToken);
        pending.Commit(name, replace: true, path);
        return pending.Stream.Written;
    }

    /// <summary>Creates one directory (its parent must exist).</summary>
    public void MakeDirectory(string path)
    {
        var relative = NormalizeNotRoot(path);
        Denylist.Check(relative, isDirectory: true);
        using var parent = OpenParent(relative, out var name, followLinks: true, path);
        ThrowOnError(FileSyscalls.MakeDirectory(parent, name, NewDirectoryMode), path);
    }

    /// <summary>Moves <paramref name="from"/> to <paramref name="to"/> within the root (renameat2; a link moves as a link); <paramref name="noReplace"/> refuses an existing target.</summary>
    public void Rename(string from, string to, bool noReplace)
    {
        var source = NormalizeNotRoot(from);
        var target = NormalizeNotRoot(to);
        using var sourceParent = OpenParent(source, out var sourceName, followLinks: true, from);
        var moved = Stat(sourceParent, sourceName, out var errno) ?? throw FileOperationException.FromErrno(errno, from);
        Denylist.Check(target, moved.IsDirectory);
        if (moved.IsDirectory && !Denylist.IsEmpty)
        {
            // What the directory holds gets new paths too; none of them may be a denied one.
            using var tree = OpenDirectoryNoFollow(sourceParent, sourceName, from);
            CheckDenylist(tree, target, depth: 0);
        }

        using var targetParent = OpenParent(target, out var targetName, followLinks: true, to);
        var replaced = noReplace ? null : Stat(targetParent, targetName, out _);
        ThrowOnError(FileSyscalls.Rename(sourceParent, sourceName, targetParent, targetName, noReplace ? RenameNoReplace : 0), to);
        if (replaced is { IsRegular: true, LinkCount: 1 } old && old.Inode != moved.Inode)
        {
            Quota.Release(old.Size);
        }
    }

    /// <summary>Sets the permission bits (0–0777) of a file or directory; a link is refused, never followed (the O_PATH descriptor is checked, then changed).</summary>
    public void ChangeMode(string path, uint mode)
    {
        if (mode > MaxMode)
        {
            throw new FileOperationException(FileErrorCode.InvalidArgument, $"mode must be between 0 and 0777 (got {Convert.ToString(mode, 8)})");
        }

        var relative = Normalize(path);
        using var target = OpenResolved(relative, OPath | ONoFollow, 0, followLinks: true, path);
        var stat = Stat(target, string.Empty, out var errno) ?? throw FileOperationException.FromErrno(errno, path);
        if (stat.IsLink)
        {
            throw new FileOperationException(FileErrorCode.UnsafePath, $"'{RelativePath.Printable(path)}' is a symbolic link; chmod never follows links");
        }

        ThrowOnError(FileSyscalls.ChangeMode(target, mode), path);
    }

    /// <summary>Deletes a file or link (the link itself) or a directory with everything in it; nothing is ever followed.</summary>
    public void Delete(string path)
    {
        var relative = NormalizeNotRoot(path);
        using var parent = OpenParent(relative, out var name, followLinks: true, path);
        var stat = Stat(parent, name, out var errno) ?? throw FileOperationException.FromErrno(errno, path);
        if (stat.IsDirectory)
        {
            DeleteTree(parent, name, path, depth: 0);
            return;
        }

        ThrowOnError(Unlink(parent, name, 0), path);
        ReleaseIfLast(stat);
    }

    /// <summary>Copies a file, link (as a link) or directory tree to <paramref name="to"/>, which must not exist; links are never followed, every byte counts against the quota, and a refused copy leaves nothing.</summary>
    public async Task CopyAsync(string from, string to, CancellationToken cancellationToken)
    {
        var source = NormalizeNotRoot(from);
        var target = NormalizeNotRoot(to);
        using var sourceParent = OpenParent(source, out var sourceName, followLinks: true, from);
        var stat = Stat(sourceParent, sourceName, out var errno) ?? throw FileOperationException.FromErrno(errno, from);
        Denylist.Check(target, stat.IsDirectory);
        using var targetParent = OpenParent(target, out var targetName, followLinks: true, to);
        if (Stat(targetParent, targetName, out _) is not null)
        {
            throw FileOperationException.FromErrno(EEXIST, to);
        }

        try
        {
            await CopyEntryAsync(sourceParent, sourceName, stat, targetParent, targetName, target, new HashSet<ulong>(), 0, cancellationToken);
        }
        catch when (stat.IsDirectory && Stat(targetParent, targetName, out _) is { IsDirectory: true })
        {
            // The copy made the target directory (it did not exist): undo all of it.
            DeleteTree(targetParent, targetName, to, depth: 0);
            throw;
        }
    }

    /// <summary>The bytes the regular files under <paramref name="directory"/> hold (links not followed).</summary>
    private static long MeasureUsage(SafeFileHandle directory, int depth = 0)
    {
        long total = 0;
        foreach (var name in ReadDirectory(directory, out _))
        {
            if (Stat(directory, name, out _) is not { } stat)
            {
                continue;
            }

            if (stat.IsRegular)
            {
                total += stat.Size;
            }
            else if (stat.IsDirectory && depth < MaxDepth)
            {
                var fd = OpenAt(directory, name, ODirectory | ONoFollow | ORead | OCloseOnExec, 0, out _);
                if (fd >= 0)
                {
                    using var child = new SafeFileHandle(fd, ownsHandle: true);
                    total += MeasureUsage(child, depth + 1);
                }
            }
        }

        return total;
    }

    private async Task CopyEntryAsync(SafeFileHandle sourceDirectory, string sourceName, FileStat stat, SafeFileHandle targetDirectory, string targetName, string targetPath, HashSet<ulong> created, int depth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (stat.IsLink)
        {
            var linkTarget = ReadLink(sourceDirectory, sourceName, out var errno) ?? throw FileOperationException.FromErrno(errno, targetPath);
            ThrowOnError(Symlink(linkTarget, targetDirectory, targetName), targetPath);
        }
        else if (stat.IsRegular)
        {
            var fd = OpenAt(sourceDirectory, sourceName, ORead | ONoFollow | ONonBlock | OCloseOnExec, 0, out var errno);
            if (fd < 0)
            {
                throw FileOperationException.FromErrno(errno, targetPath);
            }

            await using var input = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1);
            await using var pending = PendingFile.Create(targetDirectory, Quota, null, stat.Permissions, targetPath);
            await input.CopyToAsync(pending.Stream, cancellationToken);
            pending.Commit(targetName, replace: false, targetPath);
        }
        else if (stat.IsDirectory)
        {
            if (depth >= MaxDepth)
            {
                throw TooDeep(targetPath);
            }

            ThrowOnError(FileSyscalls.MakeDirectory(targetDirectory, targetName, stat.Permissions | 0x1C0), targetPath);
            using var source = OpenDirectoryNoFollow(sourceDirectory, sourceName, targetPath);
            using var target = OpenDirectoryNoFollow(targetDirectory, targetName, targetPath);
            created.Add(Stat(target, string.Empty, out _)?.Inode ?? 0);
            foreach (var name in ReadDirectory(source, out _))
            {
                // A copy into its own subtree must not copy what it is creating.
                if (Stat(source, name, out _) is not { } child || (child.IsDirectory && created.Contains(child.Inode)))
                {
                    continue;
                }

                var childPath = targetPath + "/" + name;
                Denylist.Check(childPath, child.IsDirectory);
                await CopyEntryAsync(source, name, child, target, name, childPath, created, depth + 1, cancellationToken);
            }
        }
        else
        {
            throw SpecialFile(targetPath);
        }
    }

    /// <summary>Empties and removes the directory <paramref name="name"/>: each entry is removed with unlinkat on the entry itself, so a link inside (or one swapped in for a directory) is removed, never followed.</summary>
    internal void DeleteTree(SafeFileHandle parent, string name, string shown, int depth)
    {
        if (depth >= MaxDepth)
        {
            throw TooDeep(shown);
        }

        var fd = OpenAt(parent, name, ODirectory | ONoFollow | ORead | OCloseOnExec, 0, out var errno);
        if (fd < 0)
        {
            // Swapped for a link or a file since it was seen: remove that, never what it points to.
            if (errno is ENOTDIR or ELOOP)
            {
                ThrowOnError(Unlink(parent, name, 0), shown);
                return;
            }

            throw FileOperationException.FromErrno(errno, shown);
        }

        using (var directory = new SafeFileHandle(fd, ownsHandle: true))
        {
            foreach (var child in ReadDirectory(directory, out _))
            {
                if (Stat(directory, child, out _) is not { } stat)
                {
                    continue;
                }

                if (stat.IsDirectory)
                {
                    DeleteTree(directory, child, shown + "/" + child, depth + 1);
                }
                else
                {
                    ThrowOnError(Unlink(directory, child, 0), shown + "/" + child);
                    ReleaseIfLast(stat);
                }
            }
        }

        ThrowOnError(Unlink(parent, name, AtRemoveDirectory), shown);
    }

    private void CheckDenylist(SafeFileHandle directory, string path, int depth)
    {
        if (depth >= MaxDepth)
        {
            throw TooDeep(path);
        }

        foreach (var name in ReadDirectory(directory, out _))
        {
            var isDirectory = Stat(directory, name, out _) is { IsDirectory: true };
            Denylist.Check(path + "/" + name, isDirectory);
            if (isDirectory)
            {
                using var child = OpenDirectoryNoFollow(directory, name, path + "/" + name);
                CheckDenylist(child, path + "/" + name, depth + 1);
            }
        }
    }

    private void ReleaseIfLast(FileStat stat)
    {
        if (stat is { IsRegular: true, LinkCount: 1 })
        {
            Quota.Release(stat.Size);
        }
    }

    private static FileOperationException TooDeep(string path) =>
        new(FileErrorCode.InvalidArgument, $"'{RelativePath.Printable(path)}' is nested deeper than {MaxDepth} directories");

    private static void ThrowOnError(int errno, string path)
    {
        if (errno != 0)
        {
            throw FileOperationException.FromErrno(errno, path);
        }
    }
}
