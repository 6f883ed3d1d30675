using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ZlhGrind.Benchmarks.Processes;

/// <summary>
/// Every process the benchmark starts, by PID, so each one is ended on the way out — also when the run is
/// interrupted (Ctrl-C, SIGTERM) or fails. Only these PIDs are ever killed.
/// </summary>
internal sealed class ChildProcesses : IDisposable
{
    private readonly ConcurrentDictionary<int, Process> _running = new();
    private readonly ConcurrentDictionary<int, bool> _withWorkers = new();
    private readonly List<PosixSignalRegistration> _signals = [];

    public ChildProcesses()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, _ => KillAll()));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>
    /// Starts <paramref name="start"/> with its output appended to <paramref name="logPath"/>. A child that forks workers
    /// of its own (<paramref name="withWorkers"/>: nginx's master) is ended with its whole tree — they are ours too.
    /// </summary>
    public ChildProcess Start(ProcessStartInfo start, string logPath, bool withWorkers = false)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        _running[process.Id] = process;
        _withWorkers[process.Id] = withWorkers;
        return new ChildProcess(this, process, logPath);
    }

    /// <summary>SIGKILL to one of our children (a crash, as far as it is concerned).</summary>
    public void Kill(ChildProcess child)
    {
        if (_running.TryRemove(child.Pid, out var process))
        {
            KillOne(process, _withWorkers.TryRemove(child.Pid, out var tree) && tree);
        }
    }

    public void KillAll()
    {
        foreach (var pid in _running.Keys)
        {
            if (_running.TryRemove(pid, out var process))
            {
                KillOne(process, _withWorkers.TryRemove(pid, out var tree) && tree);
            }
        }
    }

    public void Dispose()
    {
        KillAll();
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
    }

    private static void KillOne(Process process, bool withWorkers)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: withWorkers);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
