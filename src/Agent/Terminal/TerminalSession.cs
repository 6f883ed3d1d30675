using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.DevEnvironment;

namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// One dev terminal: the user's login shell on a pseudo-terminal the agent opened, its scrollback numbered by absolute
/// offset, live output to every attachment, keystrokes in, and the end of it all — when the shell exits, or when nobody
/// has been attached for <c>DetachedLifetime</c> (then the shell's process group gets SIGHUP, and SIGKILL after
/// <c>EndTimeout</c>).
/// </summary>
internal sealed partial class TerminalSession : IResizableConsoleChannel, IAsyncDisposable
{
    private const int ReadChunkBytes = 16 * 1024;
    private const int SigHup = 1;
    private const int SigKill = 9;
    private const int SigCont = 18;

    /// <summary>How long one wait for room in the terminal's input queue lasts before cancellation is looked at again.</summary>
    private const int WritePollMilliseconds = 100;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly PseudoTerminal _terminal;
    private readonly ScrollbackRing _scrollback;
    private readonly QueryReplyFilter _replies;
    private readonly TerminalOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Subscriber[] _subscribers = [];
    private ITimer? _detachedTimer;
    private ITimer? _killTimer;
    private int _detachedEpoch;
    private bool _ending;
    private bool _reaped;
    private int _pidfd = -1;

    private TerminalSession(string id, PseudoTerminal terminal, TerminalOptions options, TimeProvider time, ILogger logger)
    {
        Id = id;
        _terminal = terminal;
        _options = options;
        _time = time;
        _logger = logger;
        _scrollback = new ScrollbackRing(options.ScrollbackBytes);
        _replies = new QueryReplyFilter(time, options.ReplyWindow);
    }

    /// <summary>The session's id, which a client names to reattach.</summary>
    public string Id { get; }

    /// <summary>The shell's pid, which is also its process group and session id.</summary>
    public int Pid { get; private set; }

    /// <summary>Completes with the shell's wait status once it has exited and been reaped.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>True once the session has been told to end or its shell has exited.</summary>
    public bool IsEnding
    {
        get
        {
            lock (_lock)
            {
                return _ending;
            }
        }
    }

    public long End
    {
        get
        {
            lock (_lock)
            {
                return _scrollback.End;
            }
        }
    }

    /// <summary>How many attachments are live.</summary>
    public int Attachments => Volatile.Read(ref _subscribers).Length;

    /// <summary>Opens a pseudo-terminal and starts <paramref name="user"/>'s login shell on it.</summary>
    public static unsafe TerminalSession Start(
        string id,
        DevUser user,
        IReadOnlyDictionary<string, string> environment,
        TerminalSize size,
        TerminalOptions options,
        TimeProvider time,
        ILogger logger)
    {
        var terminal = PseudoTerminal.Open(size);
        var session = new TerminalSession(id, terminal, options, time, logger);
        try
        {
            if (!user.IsAgentUser)
            {
                terminal.GiveSlaveTo(user.Uid, user.Gid);
            }

            session.Pid = ShellSpawner.Spawn(terminal, user, environment);
        }
        catch
        {
            terminal.Dispose();
            throw;
        }

        session._pidfd = PtyCalls.PidfdOpen(session.Pid);
        if (session._pidfd < 0)
        {
            // Without a pidfd the exit cannot be watched; the shell must not be left behind.
            var errno = Marshal.GetLastPInvokeError();
            Processes.Libc.Kill(-session.Pid, SigKill);
            PtyCalls.WaitPid(session.Pid, null, 0);
            terminal.Dispose();
            throw new IOException("pidfd_open: " + Marshal.GetPInvokeErrorMessage(errno), errno);
        }

        LogOpened(logger, id, user.Shell, session.Pid, user.Name);
        new Thread(session.Pump) { IsBackground = true, Name = "terminal " + session.Pid }.Start();
        session.StartDetachedTimer();
        return session;
    }

    public ConsoleAttachment Attach(long? since, int maxHistoryBytes, Action<ConsoleSlice> onOutput)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxHistoryBytes);
        ArgumentNullException.ThrowIfNull(onOutput);
        lock (_lock)
        {
            var end = _scrollback.End;
            if (since is { } asked && (asked < 0 || asked > end))
            {
                throw new ArgumentOutOfRangeException(nameof(since), asked, "the offset is not in this terminal's output");
            }

            var from = Math.Max(_scrollback.Start, since ?? end - maxHistoryBytes);
            var history = _scrollback.Copy(from);
            _replies.Replay(history);
            var subscriber = new Subscriber(this, onOutput);
            if (!_reaped)
            {
                // An ending shell may still print; its last words reach whoever is attached.
                _subscribers = [.. _subscribers, subscriber];
            }

            if (!_ending)
            {
                _detachedEpoch++;
                _detachedTimer?.Dispose();
                _detachedTimer = null;
            }

            return new ConsoleAttachment(new ConsoleSlice(from, history), since < _scrollback.Start, subscriber);
        }
    }

    public ConsoleHistoryPage Read(long? since, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        lock (_lock)
        {
            var end = _scrollback.End;
            if (since is { } asked && (asked < 0 || asked > end))
            {
                throw new ArgumentOutOfRangeException(nameof(since), asked, "the offset is not in this terminal's output");
            }

            var from = Math.Max(_scrollback.Start, since ?? end - maxBytes);
            var page = _scrollback.Copy(from, maxBytes);

            // The page reaches a terminal that answers the queries in it: those answers must not reach the shell.
            _replies.Replay(page);
            return new ConsoleHistoryPage(new ConsoleSlice(from, page), since < _scrollback.Start, end);
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        if (input.Length > _options.MaxInputBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(input), input.Length, $"terminal input is limited to {_options.MaxInputBytes} bytes per write");
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            ReadOnlyMemory<byte> remaining;
            lock (_lock)
            {
                ThrowIfClosed();
                remaining = _replies.Filter(input);
            }

            while (!remaining.IsEmpty)
            {
                var written = TryWrite(remaining.Span);
                if (written > 0)
                {
                    remaining = remaining[written..];
                    continue;
                }

                // The shell is not reading: its input queue is full. Wait for room off the caller's thread.
                await Task.Run(WaitForRoom, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Sets the terminal's size; the shell's foreground job gets SIGWINCH.</summary>
    public void Resize(TerminalSize size)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            _terminal.Resize(size);
        }
    }

    void IResizableConsoleChannel.Resize(int columns, int rows) => Resize(new TerminalSize(columns, rows));

    /// <summary>Ends the session: SIGHUP (and SIGCONT, for stopped jobs) to the shell's process group, SIGKILL after <c>EndTimeout</c>.</summary>
    public void Terminate(string reason)
    {
        lock (_lock)
        {
            if (_ending)
            {
                return;
            }

            _ending = true;
            LogEnding(_logger, Id, reason);
            _detachedTimer?.Dispose();
            _detachedTimer = null;
            SignalGroup(SigHup);
            SignalGroup(SigCont);
            _killTimer = _time.CreateTimer(_ => Kill(), null, _options.EndTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Terminate("the agent is stopping");
        await Exited;
        _writeGate.Dispose();
    }

    private void Kill()
    {
        lock (_lock)
        {
            if (!_reaped)
            {
                LogKilling(_logger, Id, Pid, _options.EndTimeout);
                SignalGroup(SigKill);
            }
        }
    }

    /// <summary>Signals the shell's process group; only before the shell is reaped, so its pid (and group) cannot have been reused.</summary>
    private void SignalGroup(int signal)
    {
        if (!_reaped)
        {
            Processes.Libc.Kill(-Pid, signal);
        }
    }

    private void ThrowIfClosed()
    {
        if (_reaped)
        {
            throw new TerminalSessionEndedException();
        }
    }

    private unsafe int TryWrite(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            fixed (byte* bytes = data)
            {
                var written = PtyCalls.Write(_terminal.Master, bytes, (nuint)data.Length);
                if (written >= 0)
                {
                    return (int)written;
                }

                var errno = Marshal.GetLastPInvokeError();
                return errno is PtyCalls.EAGAIN or PtyCalls.EINTR ? 0 : throw new IOException("write to terminal: " + Marshal.GetPInvokeErrorMessage(errno), errno);
            }
        }
    }

    private unsafe void WaitForRoom()
    {
        int master;
        lock (_lock)
        {
            ThrowIfClosed();
            master = _terminal.Master;
        }

        var fd = new PtyCalls.PollFd { Fd = master, Events = PtyCalls.PollOut };
        PtyCalls.Poll(&fd, 1, WritePollMilliseconds);
    }

    private void StartDetachedTimer()
    {
        lock (_lock)
        {
            if (_ending || _subscribers.Length > 0)
            {
                return;
            }

            var epoch = ++_detachedEpoch;
            _detachedTimer?.Dispose();
            _detachedTimer = _time.CreateTimer(_ => OnDetachedTimeout(epoch), null, _options.DetachedLifetime, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnDetachedTimeout(int epoch)
    {
        lock (_lock)
        {
            // An attach (or a newer detach) since this timer was set makes it stale.
            if (epoch != _detachedEpoch || _subscribers.Length > 0)
            {
                return;
            }
        }

        Terminate("nobody attached for " + _options.DetachedLifetime.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
    }

    private void Detach(Subscriber subscriber)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_subscribers, subscriber);
            if (index < 0)
            {
                return;
            }

            _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
        }

        StartDetachedTimer();
    }

    // The session's log events: its id, shell and pid, never input or output.
    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {SessionId} opened: shell {Shell} pid {Pid} as {UserName}")]
    private static partial void LogOpened(ILogger logger, string sessionId, string shell, int pid, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {SessionId} ending: {Reason}")]
    private static partial void LogEnding(ILogger logger, string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {SessionId} ended: shell pid {Pid} exited with wait status {WaitStatus}")]
    private static partial void LogEnded(ILogger logger, string sessionId, int pid, int waitStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal {SessionId}: shell pid {Pid} outlived SIGHUP by {EndTimeout}; killing its process group")]
    private static partial void LogKilling(ILogger logger, string sessionId, int pid, TimeSpan endTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal {SessionId}: an output subscriber failed and was detached")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception, string sessionId);

    /// <summary>An attachment's live output; disposing it detaches.</summary>
    private sealed class Subscriber(TerminalSession session, Action<ConsoleSlice> onOutput) : IDisposable
    {
        public Action<ConsoleSlice> OnOutput => onOutput;

        public void Dispose() => session.Detach(this);
    }
}
