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
    private readonly List<PosixSignalRegistration> _signals = [];

    public ChildProcesses()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, _ => KillAll()));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>Starts <paramref name="start"/> with its output appended to <paramref name="logPath"/>.</summary>
    public ChildProcess Start(ProcessStartInfo start, string logPath)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        _running[process.Id] = process;
        return new ChildProcess(this, process, logPath);
    }

    /// <summary>SIGKILL to one of our children (a crash, as far as it is concerned).</summary>
    public void Kill(ChildProcess child)
    {
        if (_running.TryRemove(child.Pid, out var process))
        {
            KillOne(process);
        }
    }

    public void KillAll()
    {
        foreach (var pid in _running.Keys)
        {
            if (_running.TryRemove(pid, out var process))
            {
                KillOne(process);
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

    private static void KillOne(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
