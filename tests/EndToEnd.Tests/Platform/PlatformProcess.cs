using System.Diagnostics;

namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>
/// One real process of the platform (<c>dotnet some.dll</c>) with explicit configuration in its
/// environment. Output goes to a log file; it is ended by its PID, and only if this test started it.
/// </summary>
internal sealed class PlatformProcess : IAsyncDisposable
{
    private readonly Process _process;
    private int _disposed;

    private PlatformProcess(string name, Process process, string logPath)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public static PlatformProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, string logDirectory, string? workingDirectory = null) =>
        Start(name, "dotnet", [dll], environment, logDirectory, workingDirectory);

    /// <summary>Starts <paramref name="program"/> with <paramref name="arguments"/> (e.g. <c>sh -c</c> and a command a person would paste).</summary>
    public static PlatformProcess Start(string name, string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string logDirectory, string? workingDirectory = null)
    {
        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, name + ".log");
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start.");
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var gate = new object();
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => Write($"--- {name} exited");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PlatformProcess(name, process, logPath);

        void Write(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                log.WriteLine(line);
            }
        }
    }

    /// <summary>SIGKILL: the process gets no chance to clean up (a crash, a power cut).</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Signals.Terminate(_process.Id);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public string Log()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>Stops the process (10 s grace); a second call does nothing (a test's own agent, then its platform's list).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}

/// <summary>POSIX signals by PID, through the system's kill(1).</summary>
internal static class Signals
{
    public static void Terminate(int pid) => Send("-TERM", pid);

    /// <summary>SIGKILL; a negative <paramref name="pid"/> names a process group.</summary>
    public static void Kill(int pid) => Send("-KILL", pid);

    private static void Send(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, "--", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        });
        kill?.WaitForExit();
    }
}
