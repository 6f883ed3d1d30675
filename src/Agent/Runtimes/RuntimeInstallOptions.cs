namespace ZlhGrind.Agent.Runtimes;

/// <summary>How runtime and addon artifacts are fetched, unpacked and verified (section <c>Agent:Runtimes</c>).</summary>
internal sealed class RuntimeInstallOptions
{
    public const string SectionName = "Agent:Runtimes";

    /// <summary>Download attempts per artifact before the install fails.</summary>
    public int MaxDownloadAttempts { get; set; } = 3;

    /// <summary>Wait before the second attempt; doubled for each further one, up to <see cref="MaxRetryBackoff"/>.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a single download attempt may take.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest artifact the agent accepts, whatever the catalog says.</summary>
    public long MaxArtifactBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Largest total an archive may unpack to (a small tar.gz can expand enormously).</summary>
    public long MaxExtractedBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Most entries an archive may hold.</summary>
    public int MaxArchiveEntries { get; set; } = 200_000;

    /// <summary>Longest the verify command may run.</summary>
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
