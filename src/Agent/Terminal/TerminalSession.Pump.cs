using System.Runtime.InteropServices;
using ZlhGrind.Agent.Consoles;

namespace ZlhGrind.Agent.Terminal;

/// <summary>The session's one thread: it reads the terminal, feeds the scrollback and the attachments, and reaps the shell.</summary>
internal sealed partial class TerminalSession
{
    /// <summary>
    /// Polls the master and the shell's pidfd. Output is appended and handed to the attachments in read order, from this
    /// thread only, so every attachment sees each byte once. When the shell exits, what it left in the terminal is read,
    /// the shell is reaped (.NET reaps only the children it started itself) and the terminal is closed.
    /// </summary>
    private unsafe void Pump()
    {
        var buffer = new byte[ReadChunkBytes];
        var fds = stackalloc PtyCalls.PollFd[2];
        var masterOpen = true;
        while (true)
        {
            fds[0] = new PtyCalls.PollFd { Fd = masterOpen ? _terminal.Master : -1, Events = PtyCalls.PollIn };
            fds[1] = new PtyCalls.PollFd { Fd = _pidfd, Events = PtyCalls.PollIn };
            if (PtyCalls.Poll(fds, 2, -1) < 0)
            {
                continue; // EINTR
            }

            if (masterOpen && fds[0].Revents != 0)
            {
                masterOpen = Drain(buffer);
            }

            if (fds[1].Revents != 0)
            {
                if (masterOpen)
                {
                    Drain(buffer);
                }

                break;
            }
        }

        lock (_lock)
        {
            // An ended session takes its whole process group along. The shell is a zombie until reaped, so the group id
            // cannot have been reused; jobs the shell put in groups of their own got its SIGHUP.
            if (_ending)
            {
                SignalGroup(SigKill);
            }
        }

        int status;
        PtyCalls.WaitPid(Pid, &status, 0);
        lock (_lock)
        {
            _reaped = true;
            _ending = true;
            _detachedTimer?.Dispose();
            _killTimer?.Dispose();
            _subscribers = [];
            _terminal.Dispose();
            PtyCalls.Close(_pidfd);
        }

        LogEnded(_logger, Id, Pid, status);
        _exited.TrySetResult(status);
    }

    /// <summary>Reads until the terminal has nothing more; false when it is hung up (no process holds the slave).</summary>
    private unsafe bool Drain(byte[] buffer)
    {
        while (true)
        {
            nint read;
            fixed (byte* bytes = buffer)
            {
                read = PtyCalls.Read(_terminal.Master, bytes, (nuint)buffer.Length);
            }

            if (read > 0)
            {
                Publish(buffer.AsSpan(0, (int)read));
                continue;
            }

            if (read == 0)
            {
                return false;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == PtyCalls.EINTR)
            {
                continue;
            }

            // EAGAIN: all read for now. EIO: every slave descriptor is closed.
            return errno == PtyCalls.EAGAIN;
        }
    }

    private void Publish(ReadOnlySpan<byte> data)
    {
        Subscriber[] subscribers;
        long offset;
        lock (_lock)
        {
            offset = _scrollback.End;
            _scrollback.Append(data);
            subscribers = _subscribers;
        }

        if (subscribers.Length == 0)
        {
            return;
        }

        var slice = new ConsoleSlice(offset, data.ToArray());
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber.OnOutput(slice);
            }
            catch (Exception exception)
            {
                // The pump serves every attachment; one failing consumer must not stop the terminal for the others.
                LogSubscriberFailed(_logger, exception, Id);
                subscriber.Dispose();
            }
        }
    }
}
