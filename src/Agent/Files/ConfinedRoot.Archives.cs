using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;
using ZlhGrind.Agent.Runtimes;
using static ZlhGrind.Agent.Files.FileSyscalls;

namespace ZlhGrind.Agent.Files;

/// <summary>The archive formats compress writes and extract reads.</summary>
internal enum ArchiveFormat
{
    TarGz,
    Zip,
}

/// <summary>Compress and extract, both inside the root and both counted against the quota as bytes are written.</summary>
internal sealed partial class ConfinedRoot
{
    /// <summary>
    /// Packs <paramref name="paths"/> (files, links as links, directory trees) into a new archive at <paramref name="destination"/>;
    /// entries are named by their root-relative paths. The archive is written under a temporary name and renamed into
    /// place only when complete; a refusal (quota, a missing path) leaves nothing.
    /// </summary>
    public async Task<long> CompressAsync(IReadOnlyList<string> paths, string destination, ArchiveFormat format, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0 || paths.Count > Options.MaxCompressPaths)
        {
            throw new FileOperationException(FileErrorCode.InvalidArgument, $"compress takes between 1 and {Options.MaxCompressPaths} paths (got {paths.Count})");
        }

        var sources = paths.Select(NormalizeNotRoot).Distinct(StringComparer.Ordinal).ToList();
        var target = NormalizeNotRoot(destination);
        Denylist.Check(target, isDirectory: false);
        using var parent = OpenParent(target, out var name, followLinks: true, destination);
        if (Stat(parent, name, out _) is not null)
        {
            throw FileOperationException.FromErrno(EEXIST, destination);
        }

        await using var pending = PendingFile.Create(parent, Quota, null, NewFileMode, destination);
        await using (var sink = ArchiveSink.Create(format, pending.Stream))
        {
            foreach (var source in sources)
            {
                using var sourceParent = OpenParent(source, out var sourceName, followLinks: true, source);
                var stat = Stat(sourceParent, sourceName, out var errno) ?? throw FileOperationException.FromErrno(errno, source);
                await PackAsync(sink, sourceParent, sourceName, stat, source, pending.Inode, 0, cancellationToken);
            }
        }

        pending.Commit(name, replace: false, destination);
        return pending.Stream.Written;
    }

    /// <summary>
    /// Unpacks the tar.gz or zip at <paramref name="archive"/> into the directory <paramref name="destination"/>, with the
    /// runtime installer's rules: no absolute paths, no '..', no link pointing out, no device or FIFO, nothing written
    /// through a link. The whole archive is checked (and its declared size held against the quota) before the first
    /// byte is written; while writing, every entry is checked again and the bytes actually written are counted, and a
    /// refusal then removes what this extraction created. Returns the bytes written.
    /// </summary>
    public async Task<long> ExtractAsync(string archive, string destination, CancellationToken cancellationToken)
    {
        var destinationRelative = Normalize(destination);
        var content = OpenRead(archive);
        await using var stream = content.Stream;
        var format = await DetectAsync(stream, archive, cancellationToken);
        using var directory = OpenResolved(destinationRelative, ODirectory | ORead, 0, followLinks: false, destination);

        var check = new Extraction(this, directory, destinationRelative, write: false);
        await check.RunAsync(stream, format, cancellationToken);
        if (!Quota.Fits(check.DeclaredBytes))
        {
            throw Quota.Exceeded(check.DeclaredBytes);
        }

        stream.Seek(0, SeekOrigin.Begin);
        var extraction = new Extraction(this, directory, destinationRelative, write: true);
        try
        {
            await extraction.RunAsync(stream, format, cancellationToken);
        }
        catch
        {
            extraction.Undo();
            throw;
        }

        return extraction.WrittenBytes;
    }

    private static async Task<ArchiveFormat> DetectAsync(Stream stream, string shown, CancellationToken cancellationToken)
    {
        var magic = new byte[4];
        var read = await stream.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken);
        stream.Seek(0, SeekOrigin.Begin);
        return read switch
        {
            >= 2 when magic[0] == 0x1F && magic[1] == 0x8B => ArchiveFormat.TarGz,
            4 when magic is [(byte)'P', (byte)'K', 3, 4] or [(byte)'P', (byte)'K', 5, 6] => ArchiveFormat.Zip,
            _ => throw new FileOperationException(FileErrorCode.InvalidArchive, $"'{RelativePath.Printable(shown)}' is neither a tar.gz nor a zip archive"),
        };
    }

    private static async Task PackAsync(ArchiveSink sink, SafeFileHandle directory, string name, FileStat stat, string entryName, ulong archiveInode, int depth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (stat.IsLink)
        {
            var target = ReadLink(directory, name, out var errno) ?? throw FileOperationException.FromErrno(errno, entryName);
            await sink.AddLinkAsync(entryName, target, stat.Modified, cancellationToken);
        }
        else if (stat.IsRegular && stat.Inode != archiveInode)
        {
            var fd = OpenAt(directory, name, ORead | ONoFollow | ONonBlock | OCloseOnExec, 0, out var errno);
            if (fd < 0)
            {
                throw FileOperationException.FromErrno(errno, entryName);
            }

            await using var input = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1);
            await sink.AddFileAsync(entryName, stat.Permissions, stat.Modified, input, cancellationToken);
        }
        else if (stat.IsDirectory)
        {
            if (depth >= MaxDepth)
            {
                throw TooDeep(entryName);
            }

            await sink.AddDirectoryAsync(entryName, stat.Permissions, stat.Modified, cancellationToken);
            using var child = OpenDirectoryNoFollow(directory, name, entryName);
            var names = ReadDirectory(child, out _);
            names.Sort(StringComparer.Ordinal);
            foreach (var childName in names)
            {
                if (Stat(child, childName, out _) is { } childStat)
                {
                    await PackAsync(sink, child, childName, childStat, entryName + "/" + childName, archiveInode, depth + 1, cancellationToken);
                }
            }
        }

        // Devices, FIFOs and sockets are not packed.
    }

    /// <summary>One pass over an archive: with write false it only checks (and sums declared sizes); with write true it also writes.</summary>
    private sealed class Extraction(ConfinedRoot root, SafeFileHandle directory, string destination, bool write)
    {
        private readonly HashSet<string> _files = new(StringComparer.Ordinal);
        private readonly HashSet<string> _links = new(StringComparer.Ordinal);
        private readonly List<string> _created = [];
        private int _entries;

        public long DeclaredBytes { get; private set; }

        public long WrittenBytes { get; private set; }

        public async Task RunAsync(Stream stream, ArchiveFormat format, CancellationToken cancellationToken)
        {
            try
            {
                if (format == ArchiveFormat.TarGz)
                {
                    await RunTarAsync(stream, cancellationToken);
                }
                else
                {
                    await RunZipAsync(stream, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new FileOperationException(FileErrorCode.InvalidArchive, $"the archive is damaged: {ex.Message}", ex);
            }
        }

        /// <summary>Removes what this pass created, newest first (files and links, then the directories it made).</summary>
        public void Undo()
        {
            for (var i = _created.Count - 1; i >= 0; i--)
            {
                var relative = _created[i];
                var slash = relative.LastIndexOf('/');
                try
                {
                    using var parent = OpenOrCreateDirectories(directory, slash < 0 ? string.Empty : relative[..slash], relative, create: false, created: null);
                    var name = relative[(slash + 1)..];
                    if (Stat(parent, name, out _) is { } stat)
                    {
                        if (Unlink(parent, name, stat.IsDirectory ? AtRemoveDirectory : 0) == 0)
                        {
                            root.ReleaseIfLast(stat);
                        }
                    }
                }
                catch (FileOperationException)
                {
                    // Already gone or changed under us: nothing of ours left to remove there.
                }
            }
        }

        private async Task RunTarAsync(Stream stream, CancellationToken cancellationToken)
        {
            await using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            await using var reader = new TarReader(gzip, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                var kind = entry.EntryType switch
                {
                    TarEntryType.GlobalExtendedAttributes => EntryKind.Skip,
                    TarEntryType.Directory => EntryKind.Directory,
                    TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => EntryKind.File,
                    TarEntryType.SymbolicLink => EntryKind.Link,
                    TarEntryType.HardLink => EntryKind.HardLink,
                    TarEntryType.CharacterDevice or TarEntryType.BlockDevice => EntryKind.Device,
                    TarEntryType.Fifo => EntryKind.Fifo,
                    _ => EntryKind.Unsupported,
                };
                await HandleAsync(entry.Name, kind, entry.LinkName, entry.Length, (uint)entry.Mode, entry.DataStream, cancellationToken);
            }
        }

        private async Task RunZipAsync(Stream stream, CancellationToken cancellationToken)
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in zip.Entries)
            {
                var unixMode = (uint)entry.ExternalAttributes >> 16;
                var kind = entry.FullName.EndsWith('/') ? EntryKind.Directory : (unixMode & TypeMask) switch
                {
                    0 or TypeRegular => EntryKind.File,
                    TypeDirectory => EntryKind.Directory,
                    TypeLink => EntryKind.Link,
                    _ => EntryKind.Unsupported,
                };
                var mode = (unixMode & 0x1FF) == 0 ? NewFileMode : unixMode;
                if (kind == EntryKind.File && write)
                {
                    await using var data = entry.Open();
                    await HandleAsync(entry.FullName, kind, null, entry.Length, mode, data, cancellationToken);
                }
                else
                {
                    // A zip link's target is its content; zip links are refused below, so it is never read.
                    await HandleAsync(entry.FullName, kind, null, entry.Length, mode, null, cancellationToken);
                }
            }
        }

        private async Task HandleAsync(string entryName, EntryKind kind, string? linkName, long length, uint mode, Stream? data, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (kind == EntryKind.Skip)
            {
                return;
            }

            if (++_entries > root.Options.MaxArchiveEntries)
            {
                throw new FileOperationException(FileErrorCode.TooLarge, $"the archive has more than {root.Options.MaxArchiveEntries} entries");
            }

            var relative = RelativePath.Normalize(entryName, out var reason) ?? throw Refused($"entry refused: {reason}");
            if (relative.Length == 0)
            {
                return;
            }

            var shown = destination.Length == 0 ? relative : destination + "/" + relative;
            var printable = RelativePath.Printable(relative);
            switch (kind)
            {
                case EntryKind.Device:
                    throw Refused($"'{printable}' is a device node; archives may not create devices");
                case EntryKind.Fifo:
                    throw Refused($"'{printable}' is a FIFO; archives may not create special files");
                case EntryKind.Unsupported:
                    throw Refused($"'{printable}' is neither a file, a directory nor a link");
                case EntryKind.Link when linkName is null:
                    throw Refused($"'{printable}' is a link in a zip archive; only tar.gz archives may carry links");
            }

            root.Denylist.Check(shown, kind == EntryKind.Directory);
            var segments = relative.Split('/');
            for (var i = 1; i < segments.Length; i++)
            {
                var prefix = string.Join('/', segments[..i]);
                if (_links.Contains(prefix))
                {
                    throw Refused($"'{printable}' would be written through link '{RelativePath.Printable(prefix)}'");
                }
            }

            switch (kind)
            {
                case EntryKind.Directory:
                    if (write)
                    {
                        OpenOrCreateDirectories(directory, relative, shown, create: true, _created).Dispose();
                    }

                    break;
                case EntryKind.File:
                    DeclaredBytes += length;
                    _files.Add(relative);
                    if (write)
                    {
                        await WriteFileAsync(relative, shown, mode, data ?? Stream.Null, cancellationToken);
                    }

                    break;
                case EntryKind.Link:
                    if (RelativePath.LinkLeavesReason(relative, linkName!, "extraction directory") is { } linkReason)
                    {
                        throw Refused(linkReason);
                    }

                    _links.Add(relative);
                    if (write)
                    {
                        WriteLink(relative, shown, linkName!);
                    }

                    break;
                case EntryKind.HardLink:
                    var source = RelativePath.Normalize(linkName ?? string.Empty, out var linkSourceReason) ?? throw Refused($"hard link '{printable}' refused: {linkSourceReason}");
                    if (!_files.Contains(source))
                    {
                        throw Refused($"hard link '{printable}' must point to a regular file extracted before it, not '{RelativePath.Printable(source)}'");
                    }

                    _files.Add(relative);
                    if (write)
                    {
                        await CopyHardLinkAsync(source, relative, shown, cancellationToken);
                    }

                    break;
            }
        }

        private async Task WriteFileAsync(string relative, string shown, uint mode, Stream data, CancellationToken cancellationToken)
        {
            using var parent = OpenParentCreating(relative, shown, out var name);
            var existed = Stat(parent, name, out _) is not null;
            await using var pending = PendingFile.Create(parent, root.Quota, null, mode & MaxMode, shown);
            await data.CopyToAsync(pending.Stream, cancellationToken);
            pending.Commit(name, replace: true, shown);
            WrittenBytes += pending.Stream.Written;
            if (!existed)
            {
                _created.Add(relative);
            }
        }

        private void WriteLink(string relative, string shown, string target)
        {
            using var parent = OpenParentCreating(relative, shown, out var name);
            var existing = Stat(parent, name, out _);
            if (existing is { IsDirectory: true })
            {
                throw Refused($"'{RelativePath.Printable(relative)}' would replace a directory");
            }

            if (existing is not null)
            {
                // Later entries win, as in tar; the old entry (a link included) is removed, never followed.
                ThrowOnError(Unlink(parent, name, 0), shown);
                root.ReleaseIfLast(existing.Value);
            }

            ThrowOnError(Symlink(target, parent, name), shown);
            if (existing is null)
            {
                _created.Add(relative);
            }
        }

        private async Task CopyHardLinkAsync(string source, string relative, string shown, CancellationToken cancellationToken)
        {
            // A copy instead of a real hard link, as the installer does: it never ties a file to another inode.
            using var sourceParent = OpenParentCreating(source, shown, out var sourceName);
            var fd = OpenAt(sourceParent, sourceName, ORead | ONoFollow | ONonBlock | OCloseOnExec, 0, out var errno);
            if (fd < 0)
            {
                throw FileOperationException.FromErrno(errno, shown);
            }

            await using var input = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1);
            var stat = Stat(input.SafeFileHandle, string.Empty, out _);
            if (stat is not { IsRegular: true })
            {
                throw Refused($"hard link '{RelativePath.Printable(relative)}' must point to a regular file");
            }

            await WriteFileAsync(relative, shown, stat.Value.Permissions, input, cancellationToken);
        }

        private SafeFileHandle OpenParentCreating(string relative, string shown, out string name)
        {
            var slash = relative.LastIndexOf('/');
            name = relative[(slash + 1)..];
            return OpenOrCreateDirectories(directory, slash < 0 ? string.Empty : relative[..slash], shown, create: true, _created);
        }

        private static FileOperationException Refused(string reason) => new(FileErrorCode.UnsafePath, "archive refused: " + reason);
    }

    private enum EntryKind
    {
        Skip,
        Directory,
        File,
        Link,
        HardLink,
        Device,
        Fifo,
        Unsupported,
    }
}
