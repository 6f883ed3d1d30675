using System.Diagnostics;
using System.Text;

namespace ZlhGrind.Agent.Processes;

/// <summary>
/// A running game server behind its shim, launched by this agent or reattached after an agent
/// restart. Either way the exit status comes from the shim's exit file, so both paths end alike.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly RunDirectory _run;
    private readonly Process? _shimChild;
    private readonly TimeSpan _pollInterval;
    private readonly ConsoleLogLimit _logLimit;
    private readonly TaskCompletionSource<ExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _watchStop = new();
    private readonly Lock _gate = new();
    private LaunchRecord _record;

    private ServerProcess(RunDirectory run, LaunchRecord record, Process? shimChild, TimeSpan pollInterval, ConsoleLogLimit logLimit)
    {
        _run = run;
        _record = record;
        _shimChild = shimChild;
        _pollInterval = pollInterval;
        _logLimit = logLimit;
        _ = KeepLogBoundedAsync();
    }

    public Guid LaunchId => _record.LaunchId;

    public ProcessIdentity Server => _record.Server;

    /// <summary>The server's parent, leader of the session and process group the server was started in.</summary>
    public ProcessIdentity Shim => _record.Shim;

    public DateTimeOffset StartedAt => _record.StartedAt;

    /// <summary>Where this run's output begins in <c>console.log</c> (moot once a size rotation truncated the log).</summary>
    public long ConsoleStart => _record.ConsoleStart;

    /// <summary>The server group's OOM-kill count before this run was launched.</summary>
    public long OomKillsBefore => _record.OomKillsBefore;

    /// <summary>True when this agent found the server already running instead of starting it.</summary>
    public bool Reattached => _shimChild is null;

    /// <summary>Set before a stop or kill, and persisted, so the exit that follows is never taken for a crash — even by the next agent.</summary>
    public bool StopRequested
    {
        get
        {
            lock (_gate)
            {
                return _record.StopRequested;
            }
        }
    }

    /// <summary>Completes when the server has ended, with what the shim recorded.</summary>
    public Task<ExitStatus> Exited => _exited.Task;

    public RunDirectory Run => _run;

    /// <summary>Cancelled when this agent stops watching the server (agent shutdown); the server keeps running.</summary>
    public CancellationToken Detached => _watchStop.Token;

    internal static ServerProcess Launched(RunDirectory run, LaunchRecord record, Process shim, TimeSpan pollInterval, ConsoleLogLimit logLimit)
    {
        var process = new ServerProcess(run, record, shim, pollInterval, logLimit);
        _ = process.WatchChildAsync();
        return process;
    }

    internal static ServerProcess Reattach(RunDirectory run, LaunchRecord record, TimeSpan pollInterval, ConsoleLogLimit logLimit)
    {
        var process = new ServerProcess(run, record, null, pollInterval, logLimit);
        _ = process.PollAsync();
        return process;
    }

    public void MarkStopRequested()
    {
        lock (_gate)
        {
            if (_record.StopRequested)
            {
                return;
            }

            _record = _record with { StopRequested = true };
            _record.Save(_run.LaunchFile);
        }
    }

    /// <summary>Writes one line to the server's console (its stdin, through the shim's FIFO).</summary>
    public async Task SendConsoleLineAsync(string line, CancellationToken cancellationToken)
    {
        // Opening the FIFO read-write never blocks, even if the shim has gone; a write-only open would
        // wait for a reader forever.
        await using var fifo = new FileStream(_run.ConsoleInput, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        await fifo.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
    }

    /// <summary>Sends a signal to the server itself; false when it has already gone.</summary>
    public bool Signal(int signal) => Signals.Send(_record.Server, signal);

    /// <summary>Stops watching; never touches the server. The token source is left undisposed on purpose: watchers may still read its token.</summary>
    public void Dispose()
    {
        _watchStop.Cancel();
        _shimChild?.Dispose();
    }

    private async Task WatchChildAsync()
    {
        try
        {
            await _shimChild!.WaitForExitAsync(_watchStop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        _exited.TrySetResult(_run.TryReadExit() ?? ExitStatus.Unknown);
    }

    private async Task KeepLogBoundedAsync()
    {
        // Maintenance of a file, on real time like the exit watch; it ends with the server or the watch.
        try
        {
            while (!_exited.Task.IsCompleted)
            {
                await Task.Delay(_logLimit.CheckInterval, _watchStop.Token);
                try
                {
                    _logLimit.Apply(_run);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The next check tries again; a log that cannot be trimmed is no reason to stop watching.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Detached.
        }
    }

    private async Task PollAsync()
    {
        // The shim is not this agent's child (it was adopted by init when the previous agent died), so
        // there is no wait() to block on: watch its identity. Real time on purpose — this waits on an
        // outside process, it is not policy.
        try
        {
            while (_record.Shim.IsAlive())
            {
                await Task.Delay(_pollInterval, _watchStop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        _exited.TrySetResult(_run.TryReadExit() ?? ExitStatus.Unknown);
    }
}
