using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>
/// Unpacks a tar.gz into an empty directory and refuses anything that could reach outside it:
/// absolute paths, '..', links whose target leaves the directory (also through other links),
/// writes through a link, device nodes and FIFOs. Set-id bits are dropped.
/// </summary>
internal sealed class SafeTarExtractor(IOptions<RuntimeInstallOptions> options)
{
    private const UnixFileMode PermissionBits = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode OwnerDirectoryBits = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const int MaxLinkHops = 40;

    /// <summary>Extracts <paramref name="archivePath"/> into <paramref name="targetDirectory"/> (created if missing); throws <see cref="RuntimeInstallException"/> with <see cref="InstallFailure.UnsafeArchive"/>.</summary>
    public async Task<long> ExtractAsync(string archivePath, string targetDirectory, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(targetDirectory);
        Directory.CreateDirectory(root);
        var settings = options.Value;
        var links = new List<string>();
        long totalBytes = 0;
        var entries = 0;
        try
        {
            await using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var reader = new TarReader(gzip);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                if (++entries > settings.MaxArchiveEntries)
                {
                    throw Unsafe($"the archive has more than {settings.MaxArchiveEntries} entries");
                }

                if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                {
                    // Archive-wide metadata (git archive writes one); nothing is written for it.
                    continue;
                }

                var relative = RelativePath.Normalize(entry.Name, out var reason) ?? throw Unsafe($"entry refused: {reason}");
                if (relative.Length == 0)
                {
                    // The archive's own root ("./"); the target directory already exists.
                    continue;
                }

                var destination = Path.Combine(root, relative);
                EnsureRealParentDirectories(root, relative);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        ExtractDirectory(destination, relative, entry.Mode);
                        break;
                    case TarEntryType.RegularFile:
                    case TarEntryType.V7RegularFile:
                    case TarEntryType.ContiguousFile:
                        totalBytes += entry.Length;
                        if (totalBytes > settings.MaxExtractedBytes)
                        {
                            throw Unsafe($"the archive unpacks to more than {settings.MaxExtractedBytes} bytes");
                        }

                        await ExtractFileAsync(entry, destination, relative, cancellationToken);
                        break;
                    case TarEntryType.SymbolicLink:
                        ExtractSymbolicLink(entry.LinkName, destination, relative);
                        links.Add(relative);
                        break;
                    case TarEntryType.HardLink:
                        totalBytes += ExtractHardLink(root, entry.LinkName, destination, relative);
                        if (totalBytes > settings.MaxExtractedBytes)
                        {
                            throw Unsafe($"the archive unpacks to more than {settings.MaxExtractedBytes} bytes");
                        }

                        break;
                    case TarEntryType.CharacterDevice:
                    case TarEntryType.BlockDevice:
                        throw Unsafe($"'{RelativePath.Printable(relative)}' is a device node; archives may not create devices");
                    case TarEntryType.Fifo:
                        throw Unsafe($"'{RelativePath.Printable(relative)}' is a FIFO; archives may not create special files");
                    default:
                        throw Unsafe($"'{RelativePath.Printable(relative)}' has unsupported entry type {entry.EntryType}");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RuntimeInstallException(InstallFailure.UnsafeArchive, $"the artifact is not a valid tar.gz: {ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw new RuntimeInstallException(InstallFailure.UnsafeArchive, $"the artifact is not a valid tar.gz: {ex.Message}", ex);
        }

        // Each link was checked on its own when written; a chain of links can still leave (a/b -> ../c,
        // x -> a/b/../..), so every link is resolved once more against what is now on disk.
        foreach (var link in links)
        {
            if (!ResolvesInside(root, link))
            {
                throw Unsafe($"link '{RelativePath.Printable(link)}' resolves outside the install directory through other links");
            }
        }

        return totalBytes;
    }

    private static void ExtractDirectory(string destination, string relative, UnixFileMode mode)
    {
        var existing = new FileInfo(destination);
        if (existing.Exists || existing.LinkTarget is not null)
        {
            throw Unsafe($"directory '{RelativePath.Printable(relative)}' would replace a file or link of the same name");
        }

        Directory.CreateDirectory(destination);
        UnixFile.SetMode(destination, (mode & PermissionBits) | OwnerDirectoryBits);
    }

    private static async Task ExtractFileAsync(TarEntry entry, string destination, string relative, CancellationToken cancellationToken)
    {
        RemoveExistingNonDirectory(destination, relative);
        var mode = entry.Mode & PermissionBits;
        await using (var output = new FileStream(destination, UnixFile.CreateNew(UnixFileMode.UserRead | UnixFileMode.UserWrite)))
        {
            if (entry.DataStream is { } data)
            {
                await data.CopyToAsync(output, cancellationToken);
            }
        }

        UnixFile.SetMode(destination, mode);
    }

    private static void ExtractSymbolicLink(string target, string destination, string relative)
    {
        if (RelativePath.LinkLeavesReason(relative, target, "install directory") is { } reason)
        {
            throw Unsafe(reason);
        }

        RemoveExistingNonDirectory(destination, relative);
        File.CreateSymbolicLink(destination, target);
    }

    private static long ExtractHardLink(string root, string target, string destination, string relative)
    {
        var source = RelativePath.Normalize(target, out var reason)
            ?? throw Unsafe($"hard link '{RelativePath.Printable(relative)}' refused: {reason}");
        var sourcePath = Path.Combine(root, source);
        EnsureRealParentDirectories(root, source);
        var info = new FileInfo(sourcePath);
        if (!info.Exists || info.LinkTarget is not null)
        {
            throw Unsafe($"hard link '{RelativePath.Printable(relative)}' must point to a regular file extracted before it, not '{RelativePath.Printable(target)}'");
        }

        RemoveExistingNonDirectory(destination, relative);

        // A copy instead of a real hard link: it costs some disk but never ties a file in the
        // install directory to an inode elsewhere.
        info.CopyTo(destination);
        UnixFile.SetMode(destination, UnixFile.GetMode(info.FullName));
        return info.Length;
    }

    /// <summary>Creates the parents of <paramref name="relative"/> and refuses to go through a link or a file.</summary>
    private static void EnsureRealParentDirectories(string root, string relative)
    {
        var segments = relative.Split('/');
        var current = root;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            current = Path.Combine(current, segments[i]);
            var info = new DirectoryInfo(current);
            if (info.LinkTarget is not null)
            {
                throw Unsafe($"'{RelativePath.Printable(relative)}' would be written through link '{RelativePath.Printable(string.Join('/', segments[..(i + 1)]))}'");
            }

            if (!info.Exists)
            {
                if (File.Exists(current))
                {
                    throw Unsafe($"'{RelativePath.Printable(relative)}' needs a directory where the archive put a file");
                }

                Directory.CreateDirectory(current);
            }
        }
    }

    private static void RemoveExistingNonDirectory(string destination, string relative)
    {
        var existing = new FileInfo(destination);
        if (Directory.Exists(destination) && existing.LinkTarget is null)
        {
            throw Unsafe($"'{RelativePath.Printable(relative)}' would replace a directory");
        }

        if (existing.Exists || existing.LinkTarget is not null)
        {
            // Later entries win in tar; a link is removed, never followed.
            File.Delete(destination);
        }
    }

    /// <summary>Follows <paramref name="relative"/> segment by segment, through links, and says whether it stays under <paramref name="root"/>.</summary>
    private static bool ResolvesInside(string root, string relative)
    {
        var resolved = new List<string>();
        var pending = new LinkedList<string>(relative.Split('/'));
        var hops = 0;
        while (pending.First is { } node)
        {
            var segment = node.Value;
            pending.RemoveFirst();
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (resolved.Count == 0)
                {
                    return false;
                }

                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }

            var candidate = Path.Combine(root, Path.Combine([.. resolved, segment]));
            var linkTarget = new FileInfo(candidate).LinkTarget;
            if (linkTarget is null)
            {
                resolved.Add(segment);
                continue;
            }

            if (++hops > MaxLinkHops || linkTarget.StartsWith('/'))
            {
                return false;
            }

            // The link's target replaces it, read relative to the directory the link is in.
            foreach (var part in linkTarget.Split('/').Reverse())
            {
                pending.AddFirst(part);
            }
        }

        return true;
    }

    private static RuntimeInstallException Unsafe(string reason) => new(InstallFailure.UnsafeArchive, $"unsafe archive: {reason}");
}
