using System.Text;
using Microsoft.Win32.SafeHandles;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>
/// The dev user's home, held open as a directory descriptor. Everything the agent creates or changes in it goes
/// through that descriptor with O_NOFOLLOW / O_EXCL, and owners are changed with fchown on what was opened, so a
/// link the user planted (to /etc/shadow, say) is refused, never followed, and no file is ever appended in place.
/// </summary>
internal sealed class UserHome : IDisposable
{
    /// <summary>A ~/.profile larger than this is not read by the agent (it is the user's file, of any size they like).</summary>
    public const int MaxProfileBytes = 1024 * 1024;

    private const uint NewDirectoryMode = 0x1E8; // 0750
    private const uint NewFileMode = 0x1A4; // 0644
    private const uint GroupOrOtherWrite = 0x12; // 022

    private readonly int _fd;

    private UserHome(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    public string Path { get; }

    /// <summary>
    /// Opens (creating it when missing) the home <paramref name="path"/>. Its parent must belong to the agent and be
    /// writable by nobody else — otherwise the user could swap the home itself — and the home must not be a link.
    /// </summary>
    public static UserHome Open(string path, int uid, int gid, bool changeOwner)
    {
        var parentPath = System.IO.Path.GetDirectoryName(path) ?? throw new UnsafeUserPathException($"refused home {path}: it has no parent directory");
        var name = System.IO.Path.GetFileName(path);
        var parent = Libc.OpenDirectory(parentPath);
        try
        {
            // Only matters when the home is another user's: an agent running as the dev user has nothing to protect from it.
            var parentStatus = Libc.Status(parent);
            var (agentUid, _) = CurrentUser.EffectiveIds();
            if (changeOwner && (parentStatus.Uid != agentUid || (parentStatus.Permissions & GroupOrOtherWrite) != 0))
            {
                throw new UnsafeUserPathException(
                    $"refused home {path}: its parent {parentPath} must belong to uid {agentUid} and be writable by no one else, so the dev user cannot swap the home");
            }

            var created = Libc.TryMakeDirectory(parent, name, NewDirectoryMode);
            var home = OpenDirectoryIn(parent, name, path);
            var opened = new UserHome(path, home);
            if (changeOwner && (created || Libc.Status(home) is var status && (status.Uid != uid || status.Gid != gid)))
            {
                Libc.ChangeOwner(home, uid, gid);
            }

            return opened;
        }
        finally
        {
            Libc.Close(parent);
        }
    }

    /// <summary>
    /// Makes <paramref name="name"/> a directory of the user in the home (the workspace). One that is already there is
    /// used as it is when it is a real directory; a link or anything else is refused.
    /// </summary>
    public string EnsureDirectory(string name, int uid, int gid, bool changeOwner)
    {
        var path = System.IO.Path.Combine(Path, name);
        Libc.TryMakeDirectory(_fd, name, NewDirectoryMode);
        var fd = OpenDirectoryIn(_fd, name, path);
        try
        {
            // fchown on the descriptor: the directory that was opened, never what a name points to by then.
            var status = Libc.Status(fd);
            if (changeOwner && (status.Uid != uid || status.Gid != gid))
            {
                Libc.ChangeOwner(fd, uid, gid);
            }
        }
        finally
        {
            Libc.Close(fd);
        }

        return path;
    }

    /// <summary>
    /// Makes the file <paramref name="name"/> (~/.profile) contain <paramref name="line"/>. The file is never written in
    /// place: its content plus the line goes to a new file created with O_EXCL next to it, owned by the user, which then
    /// replaces it by rename. A link, a file of another owner or with other hard links is refused. False when the line was there.
    /// </summary>
    public async Task<bool> EnsureLineAsync(string name, string line, int uid, int gid, bool changeOwner, CancellationToken cancellationToken)
    {
        var path = System.IO.Path.Combine(Path, name);
        var (existing, mode) = await ReadOwnFileAsync(name, path, uid, cancellationToken);
        if (existing.Split('\n').Contains(line, StringComparer.Ordinal))
        {
            return false;
        }

        var separator = existing.Length == 0 || existing.EndsWith('\n') ? string.Empty : "\n";
        var temporary = $"{name}.zlh-{Guid.NewGuid():N}";
        var fd = Libc.CreateExclusive(_fd, temporary, NewFileMode);
        try
        {
            using (var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true))
            {
                await RandomAccess.WriteAsync(handle, Encoding.UTF8.GetBytes(existing + separator + line + "\n"), 0, cancellationToken);
                Libc.ChangeMode(fd, mode);
                if (changeOwner)
                {
                    Libc.ChangeOwner(fd, uid, gid);
                }

                RandomAccess.FlushToDisk(handle);
            }

            // rename replaces the name: whatever was planted there is dropped, nothing is written through it.
            Libc.Rename(_fd, temporary, _fd, name);
            return true;
        }
        catch
        {
            Libc.Unlink(_fd, temporary);
            throw;
        }
    }

    public void Dispose() => Libc.Close(_fd);

    private static int OpenDirectoryIn(int parent, string name, string path)
    {
        try
        {
            return Libc.OpenDirectoryNoFollow(parent, name);
        }
        catch (IOException ex) when (ex.HResult is Libc.ELOOP or Libc.ENOTDIR)
        {
            throw new UnsafeUserPathException($"refused {path}: it is {Describe(parent, name)}, not a directory; the agent never follows links in the dev user's home");
        }
    }

    private async Task<(string Content, uint Mode)> ReadOwnFileAsync(string name, string path, int uid, CancellationToken cancellationToken)
    {
        var fd = Libc.TryOpenReadNoFollow(_fd, name, out var errno);
        if (fd < 0)
        {
            return errno switch
            {
                Libc.ENOENT => (string.Empty, NewFileMode),
                Libc.ELOOP => throw new UnsafeUserPathException($"refused {path}: it is a symbolic link; the agent never follows links in the dev user's home"),
                _ => throw new IOException($"{path} cannot be read: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}", errno),
            };
        }

        using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        var status = Libc.Status(fd);
        if (status.Type != Libc.RegularFile)
        {
            throw new UnsafeUserPathException($"refused {path}: it is {Describe(status)}, not a regular file");
        }

        // A hard link to a file of someone else (e.g. /etc/shadow) would have the agent copy that file into the home.
        if (status.Uid != uid || status.LinkCount != 1)
        {
            throw new UnsafeUserPathException(
                $"refused {path}: it belongs to uid {status.Uid} with {status.LinkCount} link(s); only a file of the dev user (uid {uid}) with one link is rewritten");
        }

        if (status.Size > MaxProfileBytes)
        {
            throw new UnsafeUserPathException($"refused {path}: it is {status.Size} bytes, more than the {MaxProfileBytes} the agent reads");
        }

        var buffer = new byte[status.Size];
        var read = 0;
        while (read < buffer.Length && await RandomAccess.ReadAsync(handle, buffer.AsMemory(read), read, cancellationToken) is var count and > 0)
        {
            read += count;
        }

        return (Encoding.UTF8.GetString(buffer, 0, read), status.Permissions & 0x1FF);
    }

    private static string Describe(int directory, string name) =>
        Libc.StatusNoFollow(directory, name) is { } status ? Describe(status) : "gone";

    private static string Describe(FileStatus status) => status.Type switch
    {
        Libc.SymbolicLink => "a symbolic link",
        Libc.RegularFile => "a regular file",
        Libc.Directory => "a directory",
        _ => "a special file",
    };
}
