namespace ZlhGrind.Agent.Files;

/// <summary>
/// Where the file manager's root is and what holds there, as the workload learns it: the directory (the server's
/// directory, or the dev user's workspace once that user is prepared; null until then) and the policy the desired spec
/// sets (quota, the template's denylist and mods directory). The relay registers with the cluster only once a policy
/// was applied, so no call is served under a default before the spec arrived.
/// </summary>
internal sealed class FileRootSource
{
    private readonly Func<string?> _directory;
    private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile FileRootPolicy _policy = FileRootPolicy.Unrestricted;

    public FileRootSource(Func<string?> directory, string? stateDirectory = null)
    {
        _directory = directory;
        StateDirectory = stateDirectory;
    }

    /// <summary>A fixed directory and policy (tests, tools).</summary>
    public static FileRootSource Fixed(string directory, FileRootPolicy policy, string? stateDirectory = null)
    {
        var source = new FileRootSource(() => directory, stateDirectory);
        source.Apply(policy);
        return source;
    }

    /// <summary>The root directory now, or null while it does not exist yet.</summary>
    public string? Directory => _directory();

    /// <summary>The agent's own directory for file-manager state (the mods manifest); outside the root, so no file call reaches it.</summary>
    public string? StateDirectory { get; }

    /// <summary>The policy last applied.</summary>
    public FileRootPolicy Policy => _policy;

    /// <summary>Completes once a policy was applied.</summary>
    public Task Applied => _applied.Task;

    /// <summary>Sets the policy of the desired spec; the open root takes it for its next call.</summary>
    public void Apply(FileRootPolicy policy)
    {
        _policy = policy;
        _applied.TrySetResult();
    }
}
