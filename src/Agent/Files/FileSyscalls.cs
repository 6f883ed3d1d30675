using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// The descriptor-relative calls the file manager is built on (openat2, renameat2, getdents64, statx, unlinkat,
/// symlinkat, readlinkat, fchmodat2). Every call takes a directory descriptor and a single name or a path the kernel
/// resolves beneath it; none takes a path joined from strings. Results are raw (-1 and errno) so callers map errno
/// to a <see cref="FileOperationException"/> naming the path the tenant sent.
/// </summary>
internal static partial class FileSyscalls
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int EOPNOTSUPP = 95;

    public const int ORead = 0x0;
    public const int OWrite = 0x1;
    public const int OCreate = 0x40;
    public const int OExclusive = 0x80;
    public const int ONonBlock = 0x800;
    public const int OCloseOnExec = 0x80000;
    public const int OPath = 0x200000;

    public const ulong ResolveNoMagicLinks = 0x02;
    public const ulong ResolveNoSymlinks = 0x04;
    public const ulong ResolveBeneath = 0x08;

    public const int RenameNoReplace = 0x1;
    public const int AtRemoveDirectory = 0x200;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtEmptyPath = 0x1000;

    public const uint TypeMask = 0xF000;
    public const uint TypeDirectory = 0x4000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeLink = 0xA000;

    // openat2 and fchmodat2 came after the architectures' tables were unified: one number on x86_64 and arm64.
    private const long SysOpenat2 = 437;
    private const long SysFchmodat2 = 452;
    private const uint StatxBasicStats = 0x7FF;
    private const int StatxBufferSize = 256;
    private const int DirentBufferSize = 32 * 1024;
    private const int MaxLinkTargetBytes = 4096;

    // O_DIRECTORY and O_NOFOLLOW are the two open flags whose values differ between Linux architectures.
    public static readonly int ODirectory = IsArm ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = IsArm ? 0x8000 : 0x20000;

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    /// <summary>openat2(2); the descriptor, or -1 with <paramref name="errno"/>.</summary>
    public static int OpenBeneath(SafeFileHandle directory, string path, int flags, uint mode, ulong resolve, out int errno)
    {
        var how = new OpenHow { Flags = (ulong)(uint)flags, Mode = mode, Resolve = resolve };
        var fd = (int)Syscall(SysOpenat2, directory, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>openat(2); the descriptor, or -1 with <paramref name="errno"/>.</summary>
    public static int OpenAt(SafeFileHandle directory, string name, int flags, uint mode, out int errno)
    {
        var fd = OpenAtNative(directory, name, flags, mode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    public static int MakeDirectory(SafeFileHandle directory, string name, uint mode) => Errno(MkdirAt(directory, name, mode));

    public static int Rename(SafeFileHandle fromDirectory, string from, SafeFileHandle toDirectory, string to, int flags) =>
        Errno(RenameAt2(fromDirectory, from, toDirectory, to, (uint)flags));

    public static int Unlink(SafeFileHandle directory, string name, int flags) => Errno(UnlinkAt(directory, name, flags));

    public static int Symlink(string target, SafeFileHandle directory, string name) => Errno(SymlinkAt(target, directory, name));

    /// <summary>The target of the link <paramref name="name"/> (never followed); null with <paramref name="errno"/>.</summary>
    public static string? ReadLink(SafeFileHandle directory, string name, out int errno)
    {
        var buffer = new byte[MaxLinkTargetBytes];
        var length = (int)ReadLinkAt(directory, name, ref buffer[0], (nuint)buffer.Length);
        errno = length < 0 ? Marshal.GetLastPInvokeError() : 0;
        return length < 0 ? null : Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>Changes the mode of what <paramref name="pathHandle"/> (an O_PATH descriptor) refers to, which is never a link.</summary>
    public static int ChangeMode(SafeFileHandle pathHandle, uint mode)
    {
        if (Syscall(SysFchmodat2, pathHandle, string.Empty, mode, AtEmptyPath) == 0)
        {
            return 0;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno != ENOSYS)
        {
            return errno;
        }

        // Kernels before 6.6 lack fchmodat2; the descriptor's /proc entry names exactly the inode opened (glibc's own fallback).
        return Errno(FchmodAt(-100, "/proc/self/fd/" + pathHandle.DangerousGetHandle(), mode, 0));
    }

    public static int Sync(SafeFileHandle file) => Errno(Fsync(file));

    /// <summary>statx of <paramref name="name"/> under <paramref name="directory"/> ("" with <see cref="AtEmptyPath"/>: the descriptor itself); a link is described, not followed.</summary>
    public static FileStat? Stat(SafeFileHandle directory, string name, out int errno)
    {
        Span<byte> buffer = stackalloc byte[StatxBufferSize];
        var flags = AtSymlinkNoFollow | (name.Length == 0 ? AtEmptyPath : 0);
        if (Statx(directory, name, flags, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;

        // struct statx has one layout on every architecture, unlike struct stat.
        return new FileStat(
            BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[16..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]),
            ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]),
            DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64LittleEndian(buffer[112..])));
    }

    /// <summary>The names in an open directory (without "." and ".."), read with getdents64 from its descriptor.</summary>
    public static List<string> ReadDirectory(SafeFileHandle directory, out int errno)
    {
        var names = new List<string>();
        var buffer = new byte[DirentBufferSize];
        errno = 0;
        while (true)
        {
            var read = (int)GetDents64(directory, ref buffer[0], (nuint)buffer.Length);
            if (read < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return names;
            }

            if (read == 0)
            {
                return names;
            }

            // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[] (NUL-terminated).
            for (var offset = 0; offset < read;)
            {
                var recordLength = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 16));
                var nameBytes = buffer.AsSpan(offset + 19, recordLength - 19);
                var name = Encoding.UTF8.GetString(nameBytes[..nameBytes.IndexOf((byte)0)]);
                if (name is not "." and not "..")
                {
                    names.Add(name);
                }

                offset += recordLength;
            }
        }
    }

    private static int Errno(int result) => result == 0 ? 0 : Marshal.GetLastPInvokeError();

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall(long number, SafeFileHandle directory, string path, ref OpenHow how, nuint size);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall(long number, SafeFileHandle file, string path, uint mode, int flags);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtNative(SafeFileHandle directory, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(SafeFileHandle directory, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(SafeFileHandle fromDirectory, string from, SafeFileHandle toDirectory, string to, uint flags);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(SafeFileHandle directory, string path, int flags);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SymlinkAt(string target, SafeFileHandle directory, string path);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ReadLinkAt(SafeFileHandle directory, string path, ref byte buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FchmodAt(int directory, string path, uint mode, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(SafeFileHandle file);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(SafeFileHandle directory, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint GetDents64(SafeFileHandle directory, ref byte buffer, nuint size);
}

/// <summary>What statx says of one name: type and permission bits, link count, size, inode, device, modification time.</summary>
internal readonly record struct FileStat(uint Mode, uint LinkCount, long Size, ulong Inode, ulong Device, DateTimeOffset Modified)
{
    public uint Type => Mode & FileSyscalls.TypeMask;

    public uint Permissions => Mode & 0xFFF;

    public bool IsDirectory => Type == FileSyscalls.TypeDirectory;

    public bool IsRegular => Type == FileSyscalls.TypeRegular;

    public bool IsLink => Type == FileSyscalls.TypeLink;
}
