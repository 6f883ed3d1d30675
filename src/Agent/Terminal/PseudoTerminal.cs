using System.Runtime.InteropServices;
using System.Text;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// A pseudo-terminal the agent opened itself (posix_openpt, grantpt, unlockpt, ptsname_r): the master descriptor the
/// agent reads and writes, non-blocking and close-on-exec, and the name of the slave the shell opens.
/// </summary>
internal sealed unsafe class PseudoTerminal : IDisposable
{
    private const int PtsNameBytes = 128;
    private int _master;

    private PseudoTerminal(int master, string slavePath)
    {
        _master = master;
        SlavePath = slavePath;
    }

    public int Master => _master >= 0 ? _master : throw new ObjectDisposedException(nameof(PseudoTerminal));

    /// <summary>The slave's path (/dev/pts/N).</summary>
    public string SlavePath { get; }

    public static PseudoTerminal Open(TerminalSize size)
    {
        // O_NOCTTY: the pty must never become the agent's own controlling terminal.
        var master = Check(PtyCalls.PosixOpenpt(PtyCalls.ORdWr | PtyCalls.ONoCtty | PtyCalls.ONonBlock | PtyCalls.OCloseOnExec), "posix_openpt");
        try
        {
            Check(PtyCalls.Grantpt(master), "grantpt");
            Check(PtyCalls.Unlockpt(master), "unlockpt");
            var buffer = stackalloc byte[PtsNameBytes];
            var error = PtyCalls.PtsnameR(master, buffer, PtsNameBytes);
            if (error != 0)
            {
                throw new IOException("ptsname_r: " + Marshal.GetPInvokeErrorMessage(error), error);
            }

            var terminal = new PseudoTerminal(master, Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(buffer)));
            terminal.Resize(size);
            return terminal;
        }
        catch
        {
            PtyCalls.Close(master);
            throw;
        }
    }

    /// <summary>
    /// Gives the slave to the user who will run in it (mode 0600): programs that reopen their tty by name (ssh's password
    /// prompt, gpg) must be able to, and nobody else may write to it.
    /// </summary>
    public void GiveSlaveTo(int uid, int gid)
    {
        var slave = Check(PtyCalls.Open(SlavePath, PtyCalls.ORdWr | PtyCalls.ONoCtty | PtyCalls.OCloseOnExec), "open " + SlavePath);
        try
        {
            Libc.ChangeOwner(slave, uid, gid);
            Libc.ChangeMode(slave, SlaveMode);
        }
        finally
        {
            PtyCalls.Close(slave);
        }
    }

    /// <summary>TIOCSWINSZ: the kernel then sends SIGWINCH to the terminal's foreground process group.</summary>
    public void Resize(TerminalSize size)
    {
        // default(TerminalSize) skips the constructor's check.
        ArgumentOutOfRangeException.ThrowIfZero(size.Columns, nameof(size));
        Check(PtyCalls.SetWindowSize(Master, size.Columns, size.Rows), "TIOCSWINSZ");
    }

    public void Dispose()
    {
        var master = Interlocked.Exchange(ref _master, -1);
        if (master >= 0)
        {
            PtyCalls.Close(master);
        }
    }

    private const uint SlaveMode = 0x180; // 0600

    private static int Check(int result, string call) =>
        result >= 0 ? result : throw new IOException(call + ": " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()), Marshal.GetLastPInvokeError());
}
