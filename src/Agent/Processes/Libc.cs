using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ZlhGrind.Agent.Processes;

/// <summary>
/// The agent's one set of libc calls .NET does not expose: the descriptor-relative file calls (openat, mkdirat,
/// renameat, fchown, statx) — the agent works inside the dev user's home through directory descriptors, so a link the
/// user planted is never followed — and kill(2) for <see cref="Signals"/>.
/// </summary>
internal static partial class Libc
{
    public const int AtFdCwd = -100;

    public const int ENOENT = 2;
    public const int ENXIO = 6;
    public const int EAGAIN = 11;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int ELOOP = 40;

    public const uint FileTypeMask = 0xF000;
    public const uint Directory = 0x4000;
    public const uint RegularFile = 0x8000;
    public const uint SymbolicLink = 0xA000;

    private const int OWriteOnly = 0x1;
    private const int OCreate = 0x40;
    private const int OExclusive = 0x80;
    private const int ONonBlock = 0x800;
    private const int OCloseOnExec = 0x80000;
    private const int AtEmptyPath = 0x1000;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtRemoveDir = 0x200;
    private const uint StatxBasicStats = 0x7FF;
    private const uint StatxBirthTime = 0x800;
    private const int StatxBufferSize = 256;

    // O_DIRECTORY and O_NOFOLLOW are the two open flags whose values differ between Linux architectures.
    private static readonly int ODirectory = IsArm ? 0x4000 : 0x10000;
    private static readonly int ONoFollow = IsArm ? 0x8000 : 0x20000;

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    /// <summary>Opens the directory <paramref name="name"/> under <paramref name="directory"/> (or the cwd) without following a final link.</summary>
    public static int OpenDirectoryNoFollow(int directory, string name) =>
        Check(OpenAt(directory, name, ODirectory | ONoFollow | OCloseOnExec, 0));

    /// <summary>Opens a directory through a path the agent itself controls (links in it are followed).</summary>
    public static int OpenDirectory(string path) => Check(OpenAt(AtFdCwd, path, ODirectory | OCloseOnExec, 0));

    /// <summary>Opens <paramref name="name"/> for reading without following a link and without blocking on a FIFO; -1 and errno when it fails.</summary>
    public static int TryOpenReadNoFollow(int directory, string name, out int errno)
    {
        var fd = OpenAt(directory, name, ONoFollow | ONonBlock | OCloseOnExec, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>Creates a new file that did not exist (a planted link or file under that name makes it fail).</summary>
    public static int CreateExclusive(int directory, string name, uint mode) =>
        Check(OpenAt(directory, name, OWriteOnly | OCreate | OExclusive | ONoFollow | OCloseOnExec, mode));

    /// <summary>mkdirat; false when something already has that name (mkdirat never follows a final link).</summary>
    public static bool TryMakeDirectory(int directory, string name, uint mode)
    {
        if (MkdirAt(directory, name, mode) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EEXIST ? false : throw Error(errno);
    }

    public static void ChangeOwner(int fd, int uid, int gid) => Check(FChown(fd, (uint)uid, (uint)gid));

    public static void ChangeMode(int fd, uint mode) => Check(FChmod(fd, mode));

    public static void Rename(int fromDirectory, string from, int toDirectory, string to) =>
        Check(RenameAt(fromDirectory, from, toDirectory, to));

    public static void Unlink(int directory, string name) => UnlinkAt(directory, name, 0);

    /// <summary>unlinkat of a file or link (never its target), or with AT_REMOVEDIR of an empty directory; throws when it fails.</summary>
    public static void Remove(int directory, string name, bool isDirectory) => Check(UnlinkAt(directory, name, isDirectory ? AtRemoveDir : 0));

    /// <summary>What an open descriptor refers to.</summary>
    public static FileStatus Status(int fd) => StatusAt(fd, string.Empty, AtEmptyPath) ?? throw Error(Marshal.GetLastPInvokeError());

    /// <summary>What has <paramref name="name"/> in <paramref name="directory"/>, a link itself rather than its target; null when nothing.</summary>
    public static FileStatus? StatusNoFollow(int directory, string name) => StatusAt(directory, name, AtSymlinkNoFollow);

    /// <summary>statx of a path the agent itself owns (its run directory); null when it does not exist.</summary>
    public static FileStatus? StatusOfPath(string path) => StatusAt(AtFdCwd, path, AtSymlinkNoFollow);

    public static void Close(int fd) => CloseNative(fd);

    /// <summary>The most a FIFO takes in one write all or nothing (POSIX PIPE_BUF on Linux).</summary>
    public const int PipeAtomicBytes = 4096;

    /// <summary>
    /// Writes <paramref name="data"/> (at most <see cref="PipeAtomicBytes"/>, so all or nothing) to the FIFO at
    /// <paramref name="path"/> without ever blocking: 0, or the errno — ENXIO when no process has it open for reading,
    /// EAGAIN when its buffer is full (the reader is not reading), ENOENT when there is no FIFO.
    /// </summary>
    public static int TryWriteFifo(string path, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(data.Length, PipeAtomicBytes);

        // Write-only and non-blocking: the open itself fails with ENXIO when nobody reads, where a read-write open would
        // succeed and the bytes would vanish with the last descriptor.
        var fd = OpenAt(AtFdCwd, path, OWriteOnly | ONonBlock | ONoFollow | OCloseOnExec, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        try
        {
            var written = WriteNative(fd, ref MemoryMarshal.GetReference(data), (nuint)data.Length);
            return written == data.Length ? 0 : written < 0 ? Marshal.GetLastPInvokeError() : EAGAIN;
        }
        finally
        {
            CloseNative(fd);
        }
    }

    private static FileStatus? StatusAt(int directory, string name, int flags)
    {
        // struct statx has one layout on every architecture, unlike struct stat.
        Span<byte> buffer = stackalloc byte[StatxBufferSize];
        if (Statx(directory, name, flags, StatxBasicStats | StatxBirthTime, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        return new FileStatus(
            BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[16..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer[40..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]),
            (BinaryPrimitives.ReadUInt32LittleEndian(buffer) & StatxBirthTime) == 0
                ? 0
                : (BinaryPrimitives.ReadInt64LittleEndian(buffer[80..]) * 1_000_000_000) + BinaryPrimitives.ReadUInt32LittleEndian(buffer[88..]));
    }

    private static int Check(int result) => result >= 0 ? result : throw Error(Marshal.GetLastPInvokeError());

    private static IOException Error(int errno) => new(Marshal.GetPInvokeErrorMessage(errno), errno);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int directory, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(int directory, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt(int fromDirectory, string from, int toDirectory, string to);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(int directory, string path, int flags);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FChown(int fd, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FChmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteNative(int fd, ref byte buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseNative(int fd);

    /// <summary>kill(2): 0 when sent, -1 when not (the process or group is gone, or not ours to signal).</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}

/// <summary>The fields of statx the agent checks: type and permission bits, owner, link count, size, inode, birth time (ns; 0 where the filesystem keeps none).</summary>
internal readonly record struct FileStatus(uint Mode, int Uid, int Gid, uint LinkCount, long Size, long Inode, long BornAtNanoseconds)
{
    /// <summary>
    /// Names this file among the files that ever had its path: an inode number alone is reused once the file is
    /// deleted, the birth time tells the new file apart.
    /// </summary>
    public long Identity => unchecked((Inode * 1_000_003) ^ BornAtNanoseconds) | 1;

    public uint Type => Mode & Libc.FileTypeMask;

    public uint Permissions => Mode & 0xFFF;
}
