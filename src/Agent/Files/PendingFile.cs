using Microsoft.Win32.SafeHandles;
using static ZlhGrind.Agent.Files.FileSyscalls;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// A file being written: created under a temporary name (O_CREAT|O_EXCL|O_NOFOLLOW) in its parent's descriptor, its
/// bytes counted against the quota as they are written, then renamed into place with renameat2 — so a reader never
/// sees half a file and a refused write leaves nothing. Disposed without <see cref="Commit"/>, the temporary file is
/// removed and its bytes given back.
/// </summary>
internal sealed class PendingFile : IAsyncDisposable
{
    /// <summary>Temporary names start with this; they live only while a write is in flight.</summary>
    public const string TemporaryPrefix = ".zlh-pending-";

    private readonly SafeFileHandle _directory;
    private readonly DiskQuota _quota;
    private readonly string _temporaryName;
    private readonly FileStream _file;
    private bool _committed;

    private PendingFile(SafeFileHandle directory, DiskQuota quota, string temporaryName, FileStream file, QuotaStream stream, ulong inode)
    {
        _directory = directory;
        _quota = quota;
        _temporaryName = temporaryName;
        _file = file;
        Stream = stream;
        Inode = inode;
    }

    /// <summary>Where the content goes.</summary>
    public QuotaStream Stream { get; }

    /// <summary>The new file's inode (an archive being written inside the tree it packs must not pack itself).</summary>
    public ulong Inode { get; }

    /// <summary>Creates the temporary file in <paramref name="directory"/> (which the caller keeps open until disposal).</summary>
    public static PendingFile Create(SafeFileHandle directory, DiskQuota quota, long? maxBytes, uint mode, string shown)
    {
        var name = TemporaryPrefix + Guid.NewGuid().ToString("N");
        var fd = OpenAt(directory, name, OWrite | OCreate | OExclusive | ONoFollow | OCloseOnExec, mode, out var errno);
        if (fd < 0)
        {
            throw FileOperationException.FromErrno(errno, shown);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var inode = Stat(handle, string.Empty, out _)?.Inode ?? 0;
        var file = new FileStream(handle, FileAccess.Write, 1);
        return new PendingFile(directory, quota, name, file, new QuotaStream(file, quota, maxBytes, shown), inode);
    }

    /// <summary>Flushes, syncs and renames the file to <paramref name="name"/>; with <paramref name="replace"/> an existing file (or link) of that name is replaced, else refused as exists.</summary>
    public void Commit(string name, bool replace, string shown)
    {
        _file.Flush(flushToDisk: true);
        var replaced = replace ? Stat(_directory, name, out _) : null;
        var errno = Rename(_directory, _temporaryName, _directory, name, replace ? 0 : RenameNoReplace);
        if (errno != 0)
        {
            throw FileOperationException.FromErrno(errno, shown);
        }

        _committed = true;
        if (replaced is { IsRegular: true, LinkCount: 1 } old)
        {
            _quota.Release(old.Size);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        if (!_committed)
        {
            Unlink(_directory, _temporaryName, 0);
            _quota.Release(Stream.Written);
        }
    }
}
