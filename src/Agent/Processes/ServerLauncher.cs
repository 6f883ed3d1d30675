using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Agent.Limits;

namespace ZlhGrind.Agent.Processes;

/// <summary>Starts a game server behind the shim, or finds the one a previous agent started.</summary>
internal sealed class ServerLauncher(RunDirectory run, TimeSpan exitPollInterval, TimeSpan launchTimeout, ConsoleLogLimit? logLimit = null)
{
    private readonly ConsoleLogLimit _logLimit = logLimit ?? ConsoleLogLimit.Default;

    private static readonly string[] SetsidCandidates = ["/usr/bin/setsid", "/bin/setsid"];

    public RunDirectory Run => run;

    /// <summary>
    /// Launches <paramref name="command"/> (run by /bin/sh as <c>exec command</c>) in <paramref name="workingDirectory"/>,
    /// inside <paramref name="limits"/>; <paramref name="oomKillsBefore"/> is the group's OOM-kill count before it, so the
    /// run's end can tell whether the kernel killed it.
    /// </summary>
    public async Task<ServerProcess> LaunchAsync(
        string command,
        string workingDirectory,
        IReadOnlyDictionary<string, string> environment,
        DateTimeOffset startedAt,
        CancellationToken cancellationToken,
        LaunchLimits? limits = null,
        long oomKillsBefore = 0)
    {
        Directory.CreateDirectory(run.Path);
        Directory.CreateDirectory(workingDirectory);
        WriteShim();
        // Runs append to one log (rotated by size only, ConsoleLogLimit), so several short runs still leave the console
        // its history; this run's own output (readiness, crash tail) begins where the log ends now.
        var consoleStart = ConsoleLogLength();
        File.Delete(run.LaunchFile);

        // setsid puts the shim in a session of its own: a signal to the agent's process group (a
        // terminal's Ctrl-C, a supervisor stopping the agent) does not reach the server.
        var setsid = SetsidCandidates.FirstOrDefault(File.Exists);
        var start = new ProcessStartInfo(setsid ?? "/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (setsid is not null)
        {
            start.ArgumentList.Add("/bin/sh");
        }

        start.ArgumentList.Add(run.ShimScript);
        start.ArgumentList.Add(run.Path);
        start.ArgumentList.Add(command);
        start.ArgumentList.Add((limits?.AddressSpaceKb ?? 0).ToString(CultureInfo.InvariantCulture));
        foreach (var procs in limits?.GroupProcsFiles ?? [])
        {
            start.ArgumentList.Add(procs);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var shim = Process.Start(start) ?? throw new ServerLaunchException("The shim process did not start.");
        try
        {
            var line = await shim.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(launchTimeout, cancellationToken);
            if (line is null || !int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var serverPid))
            {
                await shim.WaitForExitAsync(cancellationToken).WaitAsync(launchTimeout, cancellationToken);
                throw new ServerLaunchException(
                    $"The shim ended before starting the server (exit code {shim.ExitCode.ToString(CultureInfo.InvariantCulture)}); check that {run.Path} is writable and supports FIFOs.");
            }

            // A server that dies at once is a zombie until the shim reaps it; its start time is still readable then.
            var serverStat = ProcStat.TryRead(serverPid);
            var shimStat = ProcStat.TryRead(shim.Id);
            var record = new LaunchRecord(
                Guid.NewGuid(),
                new ProcessIdentity(shim.Id, shimStat?.StartTicks ?? 0),
                new ProcessIdentity(serverPid, serverStat?.StartTicks ?? 0),
                startedAt,
                StopRequested: false,
                consoleStart,
                oomKillsBefore);
            record.Save(run.LaunchFile);
            return ServerProcess.Launched(run, record, shim, exitPollInterval, _logLimit);
        }
        catch
        {
            // A shim that never reported a server is of no use and must not linger (it is this agent's own child).
            try
            {
                if (!shim.HasExited)
                {
                    shim.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            shim.Dispose();
            throw;
        }
    }

    /// <summary>The launch a previous agent left behind, or null when there is none.</summary>
    public LaunchRecord? FindPreviousLaunch() => LaunchRecord.TryLoad(run.LaunchFile);

    /// <summary>Watches a server a previous agent launched; its shim may already have ended.</summary>
    public ServerProcess Reattach(LaunchRecord record) => ServerProcess.Reattach(run, record, exitPollInterval, _logLimit);

    /// <summary>Forgets a launch whose end has been handled, so the next agent does not handle it again.</summary>
    public void ForgetLaunch(Guid launchId)
    {
        if (LaunchRecord.TryLoad(run.LaunchFile) is { } record && record.LaunchId == launchId)
        {
            File.Delete(run.LaunchFile);
        }
    }

    private void WriteShim()
    {
        using var source = typeof(ServerLauncher).Assembly.GetManifestResourceStream("ZlhGrind.Agent.shim.sh")
            ?? throw new InvalidOperationException("The shim script is missing from the agent assembly.");
        using var reader = new StreamReader(source);
        AtomicFile.WriteAllText(run.ShimScript, reader.ReadToEnd());
    }

    private long ConsoleLogLength()
    {
        var log = new FileInfo(run.ConsoleLog);
        return log.Exists ? log.Length : 0;
    }
}
