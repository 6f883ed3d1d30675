namespace ZlhGrind.Gateway.Files;

/// <summary>The <c>Files</c> section: body limits of the file API (README: "Files").</summary>
public sealed class FilesApiOptions
{
    public const string SectionName = "Files";

    /// <summary>The largest body of <c>PUT …/files/content</c>; larger files go through resumable uploads.</summary>
    public long MaxWriteBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>The largest body of one upload chunk (the agent's chunk size).</summary>
    public long MaxChunkBytes { get; set; } = 8L * 1024 * 1024;
}

/// <summary>Checks the <c>Files</c> section at start.</summary>
internal sealed class FilesApiOptionsValidator() : SectionValidator<FilesApiOptions>(FilesApiOptions.SectionName, static (options, failures) => failures
    .Between(nameof(options.MaxWriteBytes), options.MaxWriteBytes, 1, 1024L * 1024 * 1024)
    .Between(nameof(options.MaxChunkBytes), options.MaxChunkBytes, 64 * 1024, 64L * 1024 * 1024));
