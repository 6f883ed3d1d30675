namespace ZlhGrind.Agent.Files;

/// <summary>Limits of the agent's file manager and upload store (section <c>Agent:Files</c>).</summary>
internal sealed class FilesOptions
{
    public const string SectionName = "Agent:Files";

    /// <summary>The largest file one simple write (PUT) may carry; larger files go through resumable uploads.</summary>
    public long MaxWriteBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>The most entries an archive to extract may hold.</summary>
    public int MaxArchiveEntries { get; set; } = 100_000;

    /// <summary>The most paths one compress call may name.</summary>
    public int MaxCompressPaths { get; set; } = 1000;

    /// <summary>The size of every chunk of a resumable upload but the last.</summary>
    public long UploadChunkBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>The largest file a resumable upload may carry.</summary>
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>The most unfinished uploads one root may have at once.</summary>
    public int MaxUploadsPerRoot { get; set; } = 16;

    /// <summary>How often expired uploads are looked for.</summary>
    public TimeSpan UploadSweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An upload not completed this long after it began is removed and its space freed.</summary>
    public TimeSpan UploadExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the agent registers its file endpoint with the cluster again (after a reconnect or a grain's move).</summary>
    public TimeSpan RelayRefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest mod file installed from an artifact URL.</summary>
    public long MaxModBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How long one mod download from an artifact URL may take.</summary>
    public TimeSpan ModDownloadTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A write (a PUT or an upload chunk) that gets no piece for this long is aborted and leaves nothing.</summary>
    public TimeSpan WriteIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long dialling the gateway's transfer socket may take before the transfer is given up (the gateway then falls back to chunked calls).</summary>
    public TimeSpan TransferConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
