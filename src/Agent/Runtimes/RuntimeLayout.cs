namespace ZlhGrind.Agent.Runtimes;

/// <summary>Where runtimes live: <c>&lt;root&gt;/runtimes/&lt;name&gt;/&lt;version&gt;</c>, with staging, state and temp files beside them.</summary>
internal sealed class RuntimeLayout(string dataRoot)
{
    public string DataRoot { get; } = Path.GetFullPath(dataRoot);

    public string RuntimesRoot => Path.Combine(DataRoot, "runtimes");

    /// <summary>Downloads land here; on the same file system as the install directories.</summary>
    public string TempRoot => Path.Combine(DataRoot, "tmp");

    public string RuntimeDirectory(string name) => Path.Combine(RuntimesRoot, name);

    public string VersionDirectory(string name, string version) => Path.Combine(RuntimesRoot, name, version);

    /// <summary>Dot-prefixed names cannot collide with versions, which start with a letter or digit.</summary>
    public string StagingDirectory(string name, string version) =>
        Path.Combine(RuntimesRoot, name, $".staging-{version}-{Guid.NewGuid():N}");

    public string TrashDirectory(string name) => Path.Combine(RuntimesRoot, name, $".trash-{Guid.NewGuid():N}");

    public string StateFile(string name) => Path.Combine(RuntimesRoot, name, ".runtime.json");
}
