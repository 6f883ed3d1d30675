using Microsoft.Win32.SafeHandles;
using ZlhGrind.Agent.Runtimes;
using static ZlhGrind.Agent.Files.FileSyscalls;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// A game server's directory or a dev workspace, opened once as a directory descriptor. Every path a tenant sends is
/// resolved from that descriptor by the kernel — <c>openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)</c>, or a walk
/// one <c>O_NOFOLLOW</c> descriptor at a time where openat2 is missing — and every change is made with a *at call on
/// the parent's descriptor and the last name, which never follows a final link. A link the tenant planted is data:
/// it is listed, renamed, copied and deleted as a link, never followed out. Paths are root-relative ("/" or "" is the
/// root; a leading "/" is ignored); '..' is refused before the kernel sees it.
/// </summary>
internal sealed partial class ConfinedRoot : IDisposable
{
    // The kernel asks for a retry (EAGAIN) when a rename raced a RESOLVE_BENEATH lookup; a few attempts, then a refusal.
    private const int ResolveAttempts = 8;
    private const uint NewDirectoryMode = 0x1ED; // 0755
    private const uint NewFileMode = 0x1A4; // 0644
    private const uint MaxMode = 0x1FF; // 0777

    // Deeper trees are refused by copy, delete and archives (each level holds a descriptor while it is walked).
    private const int MaxDepth = 256;

    private static readonly SafeFileHandle CurrentDirectory = new(-100, ownsHandle: false);

    private readonly SafeFileHandle _root;
    private readonly bool _walk;
    private volatile TemplateDenylist _denylist;

    private ConfinedRoot(SafeFileHandle root, bool walk, FilesOptions options, FileRootPolicy policy)
    {
        _root = root;
        _walk = walk;
        Options = options;
        _denylist = TemplateDenylist.Parse(policy.Denylist);
        Quota = new DiskQuota(policy.QuotaBytes, MeasureUsage(root));
        Policy = policy;
    }

    /// <summary>The limits of the file manager.</summary>
    public FilesOptions Options { get; }

    /// <summary>The template's denylist for this root.</summary>
    public TemplateDenylist Denylist => _denylist;

    /// <summary>The policy in force (the last one applied).</summary>
    public FileRootPolicy Policy { get; private set; }

    /// <summary>This root's disk quota and the bytes counted as used.</summary>
    public DiskQuota Quota { get; }

    /// <summary>Whether paths are resolved by the fd-by-fd walk (openat2 is missing, or a test asked for it).</summary>
    public bool UsesWalk => _walk;

    /// <summary>Opens <paramref name="directory"/> (a path the agent controls) as the root; <paramref name="forceWalk"/> skips openat2 even where the kernel has it.</summary>
    public static ConfinedRoot Open(string directory, FilesOptions options, FileRootPolicy policy, bool forceWalk = false)
    {
        var fd = OpenAt(CurrentDirectory, directory, ODirectory | ORead | OCloseOnExec, 0, out var errno);
        if (fd < 0)
        {
            throw FileOperationException.FromErrno(errno, directory);
        }

        var root = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var walk = forceWalk || !HasOpenat2(root);
            return new ConfinedRoot(root, walk, options, policy);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    /// <summary>The entries of a directory, sorted by name; links are described as links (their target shown), never followed; the root's upload staging directory is not shown.</summary>
    public IReadOnlyList<FileEntry> List(string path)
    {
        var relative = Normalize(path);
        using var directory = OpenResolved(relative, ODirectory | ORead, 0, followLinks: true, path);
        var names = ReadDirectory(directory, out var errno);
        if (errno != 0)
        {
            throw FileOperationException.FromErrno(errno, path);
        }

        var entries = new List<FileEntry>(names.Count);
        foreach (var name in names)
        {
            // The upload staging directory is the agent's own; the tenant's listing does not show it.
            if (relative.Length == 0 && string.Equals(name, UploadStore.StagingDirectory, StringComparison.Ordinal))
            {
                continue;
            }

            // An entry removed since the directory was read is simply not listed.
            if (Stat(directory, name, out _) is { } stat)
            {
                var target = stat.IsLink ? ReadLink(directory, name, out _) : null;
                entries.Add(new FileEntry(name, FileEntry.KindOf(stat), stat.IsRegular ? stat.Size : 0, stat.Permissions, stat.Modified, target));
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    /// <summary>Opens a regular file for reading: a seekable stream (for HTTP Range) and its length. Links inside the root are followed; out of it, refused.</summary>
    public FileContent OpenRead(string path)
    {
        var relative = NormalizeNotRoot(path);

        // O_NONBLOCK: a FIFO planted under the name must not hang the agent in open(2).
        var handle = OpenResolved(relative, ORead | ONonBlock, 0, followLinks: true, path);
        try
        {
            var stat = Stat(handle, string.Empty, out var errno) ?? throw FileOperationException.FromErrno(errno, path);
            if (stat.IsDirectory)
            {
                throw FileOperationException.FromErrno(EISDIR, path);
            }

            if (!stat.IsRegular)
            {
                throw SpecialFile(path);
            }

            return new FileContent(new FileStream(handle, FileAccess.Read, 1), stat.Size);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>What <paramref name="path"/> is (a link described, not followed); null when nothing has that name.</summary>
    public FileEntry? Describe(string path)
    {
        var relative = NormalizeNotRoot(path);
        using var parent = OpenParent(relative, out var name, followLinks: true, path);
        if (Stat(parent, name, out _) is not { } stat)
        {
            return null;
        }

        return new FileEntry(name, FileEntry.KindOf(stat), stat.IsRegular ? stat.Size : 0, stat.Permissions, stat.Modified, stat.IsLink ? ReadLink(parent, name, out _) : null);
    }

    public void Dispose() => _root.Dispose();

    /// <summary>Takes a new spec's quota and denylist; usage counted so far stays (a lower quota refuses new bytes, removes nothing).</summary>
    public void Apply(FileRootPolicy policy)
    {
        if (policy == Policy || (policy.QuotaBytes == Policy.QuotaBytes && policy.Denylist.SequenceEqual(Policy.Denylist) && policy.ModsDirectory == Policy.ModsDirectory))
        {
            return;
        }

        // Parsed first: a malformed list leaves the one in force.
        var denylist = TemplateDenylist.Parse(policy.Denylist);
        Quota.SetLimit(policy.QuotaBytes);
        _denylist = denylist;
        Policy = policy;
    }

    /// <summary>Opens <paramref name="relative"/> (normalised) beneath the root with <paramref name="flags"/>; O_CLOEXEC always.</summary>
    internal SafeFileHandle OpenResolved(string relative, int flags, uint mode, bool followLinks, string shown)
    {
        flags |= OCloseOnExec;
        if (!_walk)
        {
            var resolve = ResolveBeneath | ResolveNoMagicLinks | (followLinks ? 0 : ResolveNoSymlinks);
            var errno = EAGAIN;
            for (var attempt = 0; attempt < ResolveAttempts && errno == EAGAIN; attempt++)
            {
                var fd = OpenBeneath(_root, relative.Length == 0 ? "." : relative, flags, mode, resolve, out errno);
                if (fd >= 0)
                {
                    return new SafeFileHandle(fd, ownsHandle: true);
                }
            }

            throw FileOperationException.FromErrno(errno, shown);
        }

        return Walk(relative, flags, mode, shown);
    }

    /// <summary>Opens (making what is missing) a directory the agent itself keeps in the root, e.g. the upload staging directory; links refused.</summary>
    internal SafeFileHandle OpenOrCreateBelowRoot(string relative) => OpenOrCreateDirectories(_root, relative, relative, create: true, created: null);

    /// <summary>Opens the directory that holds <paramref name="relative"/> and gives its last name.</summary>
    internal SafeFileHandle OpenParent(string relative, out string name, bool followLinks, string shown)
    {
        var slash = relative.LastIndexOf('/');
        name = relative[(slash + 1)..];
        return OpenResolved(slash < 0 ? string.Empty : relative[..slash], ODirectory | ORead, 0, followLinks, shown);
    }

    /// <summary>
    /// Opens each directory of <paramref name="relative"/> under <paramref name="start"/> one at a time, refusing links; with
    /// <paramref name="create"/> missing ones are made with mkdirat and their paths added to <paramref name="created"/>.
    /// </summary>
    internal static SafeFileHandle OpenOrCreateDirectories(SafeFileHandle start, string relative, string shown, bool create, List<string>? created)
    {
        var current = Reopen(start, shown);
        try
        {
            var segments = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < segments.Length; i++)
            {
                if (create)
                {
                    var errno = FileSyscalls.MakeDirectory(current, segments[i], NewDirectoryMode);
                    if (errno == 0)
                    {
                        created?.Add(string.Join('/', segments[..(i + 1)]));
                    }
                    else if (errno != EEXIST)
                    {
                        throw FileOperationException.FromErrno(errno, shown);
                    }
                }

                var next = OpenDirectoryNoFollow(current, segments[i], shown);
                current.Dispose();
                current = next;
            }

            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    /// <summary>Opens the directory <paramref name="name"/> in <paramref name="parent"/> without following a link (a link is refused as unsafe_path).</summary>
    internal static SafeFileHandle OpenDirectoryNoFollow(SafeFileHandle parent, string name, string shown)
    {
        // O_PATH|O_NOFOLLOW opens a link as itself, so what it is can be asked of the descriptor (no second lookup
        // by name a racer could answer differently); the directory is then opened readable through its own ".".
        var fd = OpenAt(parent, name, OPath | ONoFollow | OCloseOnExec, 0, out var errno);
        if (fd < 0)
        {
            throw FileOperationException.FromErrno(errno, shown);
        }

        using var path = new SafeFileHandle(fd, ownsHandle: true);
        var stat = Stat(path, string.Empty, out errno) ?? throw FileOperationException.FromErrno(errno, shown);
        if (!stat.IsDirectory)
        {
            throw FileOperationException.FromErrno(stat.IsLink ? ELOOP : ENOTDIR, shown);
        }

        return Reopen(path, shown);
    }

    /// <summary>Normalises a tenant's path: "" for the root, else '/'-separated without '.', '..' refused.</summary>
    internal static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var trimmed = path.TrimStart('/');
        if (trimmed.Length == 0)
        {
            return string.Empty;
        }

        return RelativePath.Normalize(trimmed, out var reason) ?? throw new FileOperationException(FileErrorCode.UnsafePath, $"path refused: {reason}");
    }

    /// <summary>As <see cref="Normalize"/>, but the root itself is refused (it cannot be written, renamed or deleted).</summary>
    internal static string NormalizeNotRoot(string path)
    {
        var relative = Normalize(path);
        return relative.Length > 0 ? relative : throw new FileOperationException(FileErrorCode.InvalidPath, "the root itself cannot be the target of this operation");
    }

    internal static FileOperationException SpecialFile(string path) =>
        new(FileErrorCode.UnsafePath, $"'{RelativePath.Printable(path)}' is a device, FIFO or socket; only files, directories and links are handled");

    private static SafeFileHandle Reopen(SafeFileHandle directory, string shown)
    {
        var fd = OpenAt(directory, ".", ODirectory | ORead | OCloseOnExec, 0, out var errno);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw FileOperationException.FromErrno(errno, shown);
    }

    private static bool HasOpenat2(SafeFileHandle root)
    {
        var fd = OpenBeneath(root, ".", OPath | OCloseOnExec, 0, ResolveBeneath, out var errno);
        if (fd >= 0)
        {
            new SafeFileHandle(fd, ownsHandle: true).Dispose();
            return true;
        }

        return errno != ENOSYS;
    }

    /// <summary>The fallback resolution: one directory at a time with O_NOFOLLOW, so any link on the way is refused (stricter than openat2, never looser).</summary>
    private SafeFileHandle Walk(string relative, int flags, uint mode, string shown)
    {
        if (relative.Length == 0)
        {
            return Reopen(_root, shown);
        }

        var segments = relative.Split('/');
        var current = _root;
        try
        {
            for (var i = 0; i < segments.Length - 1; i++)
            {
                var next = OpenDirectoryNoFollow(current, segments[i], shown);
                if (!ReferenceEquals(current, _root))
                {
                    current.Dispose();
                }

                current = next;
            }

            if ((flags & ODirectory) != 0)
            {
                return OpenDirectoryNoFollow(current, segments[^1], shown);
            }

            var fd = OpenAt(current, segments[^1], flags | ONoFollow, mode, out var errno);
            return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw FileOperationException.FromErrno(errno, shown);
        }
        finally
        {
            if (!ReferenceEquals(current, _root))
            {
                current.Dispose();
            }
        }
    }
}

/// <summary>Who a root belongs to: its disk quota (null: none), its template's denylist (gitignore patterns) and mods directory (null: none).</summary>
internal sealed record FileRootPolicy(long? QuotaBytes, IReadOnlyList<string> Denylist, string? ModsDirectory = null)
{
    private const long BytesPerMb = 1024 * 1024;

    /// <summary>No quota, nothing denied.</summary>
    public static FileRootPolicy Unrestricted { get; } = new(null, []);

    /// <summary>A game server's: the spec's disk quota and its rendered template's denylist and mods directory.</summary>
    public static FileRootPolicy For(Grains.GameServers.GameServerSpec spec) =>
        new(spec.DiskMb * BytesPerMb, spec.Launch?.FileDenylist ?? [], spec.Launch?.ModsDirectory);

    /// <summary>A dev workspace's: the spec's disk quota, nothing denied.</summary>
    public static FileRootPolicy For(Grains.DevContainers.DevContainerSpec spec) => new(spec.DiskMb * BytesPerMb, []);
}

/// <summary>An open regular file: a seekable stream the caller disposes, and its length when opened.</summary>
internal sealed record FileContent(Stream Stream, long Length);

/// <summary>The kinds of entries a listing shows.</summary>
internal enum FileEntryKind
{
    File,
    Directory,
    Link,
    Other,
}

/// <summary>One entry of a listing: a link is a <see cref="FileEntryKind.Link"/> with its target, never what it points to.</summary>
internal sealed record FileEntry(string Name, FileEntryKind Kind, long Size, uint Mode, DateTimeOffset Modified, string? LinkTarget)
{
    public static FileEntryKind KindOf(FileStat stat) => stat switch
    {
        { IsRegular: true } => FileEntryKind.File,
        { IsDirectory: true } => FileEntryKind.Directory,
        { IsLink: true } => FileEntryKind.Link,
        _ => FileEntryKind.Other,
    };
}
