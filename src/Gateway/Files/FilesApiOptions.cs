namespace ZlhGrind.Gateway.Files;

/// <summary>The <c>Files</c> section: body limits of the file API and the agent-dialled transfer path (README: "Files").</summary>
public sealed class FilesApiOptions
{
    public const string SectionName = "Files";

    /// <summary>The largest body of <c>PUT …/files/content</c>; larger files go through resumable uploads.</summary>
    public long MaxWriteBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>The largest body of one upload chunk (the agent's chunk size).</summary>
    public long MaxChunkBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// This gateway's address as the agents reach it (http or https, e.g. <c>http://10.0.0.5:8000</c>): file content
    /// then travels over a socket the agent dials here per transfer. Unset: chunked calls through the cluster only.
    /// </summary>
    public string? AgentTransferUrl { get; set; }

    /// <summary>How long a ticket lives: an agent that has not dialled by then is refused and the transfer falls back to chunked calls.</summary>
    public TimeSpan TransferDialTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Checks the <c>Files</c> section at start.</summary>
internal sealed class FilesApiOptionsValidator() : SectionValidator<FilesApiOptions>(FilesApiOptions.SectionName, static (options, failures) => failures
    .Between(nameof(options.MaxWriteBytes), options.MaxWriteBytes, 1, 1024L * 1024 * 1024)
    .Between(nameof(options.MaxChunkBytes), options.MaxChunkBytes, 64 * 1024, 64L * 1024 * 1024)
    .Require(
        string.IsNullOrEmpty(options.AgentTransferUrl) || FileTransfers.IsBaseUrl(options.AgentTransferUrl),
        nameof(options.AgentTransferUrl),
        $"must be an absolute http or https URL without query or fragment (got '{options.AgentTransferUrl}').")
    .Between(nameof(options.TransferDialTimeout), options.TransferDialTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)));
