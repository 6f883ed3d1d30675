using System.Runtime.InteropServices;

namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// The libc calls a terminal needs and .NET does not expose: the pseudo-terminal itself, posix_spawn with a new session,
/// poll over the master and the shell's pidfd, waitpid and TIOCSWINSZ. Kept apart from <c>Processes/Libc</c> because only
/// the dev terminal uses them. Flag values are the Linux ones shared by x86-64 and arm64.
/// </summary>
internal static unsafe partial class PtyCalls
{
    public const int ORdWr = 0x2;
    public const int ONoCtty = 0x100;
    public const int ONonBlock = 0x800;
    public const int OCloseOnExec = 0x80000;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EIO = 5;

    public const short PollIn = 0x1;
    public const short PollOut = 0x4;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    public const int WNoHang = 1;

    /// <summary>glibc's posix_spawn flags: reset signal dispositions, set the signal mask, start a new session.</summary>
    public const short SpawnSetSigDefault = 0x04;
    public const short SpawnSetSigMask = 0x08;
    public const short SpawnSetSid = 0x80;

    private const ulong TiocSWinSz = 0x5414;
    private const long SysPidfdOpen = 434;

    /// <summary>Bigger than glibc's posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t (336 bytes) on every architecture.</summary>
    public const int SpawnStructBytes = 1024;

    /// <summary>glibc's sigset_t.</summary>
    public const int SigSetBytes = 128;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    public static int SetWindowSize(int fd, int columns, int rows)
    {
        var size = new WinSize { Rows = (ushort)rows, Columns = (ushort)columns };
        return IoctlWinSize(fd, TiocSWinSz, ref size);
    }

    public static int PidfdOpen(int pid) => (int)Syscall(SysPidfdOpen, pid, 0);

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    public static partial int PosixOpenpt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    public static partial int Grantpt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    public static partial int Unlockpt(int fd);

    /// <summary>Returns 0 or an error number (not errno).</summary>
    [LibraryImport("libc", EntryPoint = "ptsname_r")]
    public static partial int PtsnameR(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlWinSize(int fd, ulong request, ref WinSize size);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long first, long second);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int FileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int FileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FileActionsAddOpen(void* actions, int fd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    public static partial int FileActionsAddCloseFrom(void* actions, int lowFd);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    public static partial int AttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    public static partial int AttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    public static partial int AttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int AttrSetSigMask(void* attributes, void* mask);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int AttrSetSigDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    public static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    public static partial int SigFillSet(void* set);

    /// <summary>Returns 0 or an error number (not errno); <paramref name="file"/> is looked up in the agent's PATH.</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawnp", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PosixSpawnp(int* pid, string file, void* actions, void* attributes, byte** argv, byte** envp);
}
