using ZlhGrind.Benchmarks.Processes;

namespace ZlhGrind.Benchmarks.Running;

/// <summary>What every scenario gets: the options, where to put logs, the repository, and the child-process registry.</summary>
internal sealed class BenchContext(BenchOptions options, string repositoryRoot, string logDirectory, ChildProcesses children, TextWriter progress)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public BenchOptions Options { get; } = options;

    public bool Quick => Options.Quick;

    /// <summary>Rounds per variant: at least 5 in a full run, at least 3 in a quick one.</summary>
    public int Rounds => Quick ? 3 : 5;

    public string RepositoryRoot { get; } = repositoryRoot;

    public string LogDirectory { get; } = logDirectory;

    public ChildProcesses Children { get; } = children;

    /// <summary>Progress lines go here (stderr under ./zlh bench), so long runs show where they are.</summary>
    public void Progress(string scenario, string message) =>
        progress.WriteLine($"bench: {_clock.Elapsed.TotalSeconds,6:0.0}s [{scenario}] {message}");
}
