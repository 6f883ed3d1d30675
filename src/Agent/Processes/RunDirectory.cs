namespace ZlhGrind.Agent.Processes;

/// <summary>The files a server's shim and the agent share (one directory per game server).</summary>
internal sealed class RunDirectory(string path)
{
    public string Path { get; } = path;

    /// <summary>Console input, a FIFO created by the shim.</summary>
    public string ConsoleInput => System.IO.Path.Combine(Path, "console.in");

    /// <summary>The server's stdout and stderr for the current run.</summary>
    public string ConsoleLog => System.IO.Path.Combine(Path, "console.log");

    /// <summary>The previous run's output, kept for one run so a crash can still be read after a restart.</summary>
    public string PreviousConsoleLog => System.IO.Path.Combine(Path, "console.log.1");

    /// <summary>The server's wait status, written by the shim when the server ends.</summary>
    public string ExitFile => System.IO.Path.Combine(Path, "exit");

    public string LaunchFile => System.IO.Path.Combine(Path, "launch.json");

    public string ShimScript => System.IO.Path.Combine(Path, "shim.sh");

    /// <summary>The recorded exit status, or null when the shim has not written one.</summary>
    public ExitStatus? TryReadExit()
    {
        try
        {
            return ExitStatus.Parse(File.ReadAllText(ExitFile));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
