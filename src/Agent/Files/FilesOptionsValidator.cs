using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Files;

/// <summary>Validates <see cref="FilesOptions"/> at start; every failure names its full key.</summary>
internal sealed class FilesOptionsValidator() : SectionValidator<FilesOptions>(FilesOptions.SectionName, (options, failures) => failures
    .Positive(nameof(FilesOptions.MaxWriteBytes), options.MaxWriteBytes)
    .Positive(nameof(FilesOptions.MaxArchiveEntries), options.MaxArchiveEntries)
    .Positive(nameof(FilesOptions.MaxCompressPaths), options.MaxCompressPaths)
    .Between(nameof(FilesOptions.UploadChunkBytes), options.UploadChunkBytes, 64 * 1024, 64L * 1024 * 1024)
    .Positive(nameof(FilesOptions.MaxUploadBytes), options.MaxUploadBytes)
    .Positive(nameof(FilesOptions.MaxUploadsPerRoot), options.MaxUploadsPerRoot)
    .Positive(nameof(FilesOptions.UploadExpiry), options.UploadExpiry)
    .Positive(nameof(FilesOptions.UploadSweepInterval), options.UploadSweepInterval)
    .Positive(nameof(FilesOptions.RelayRefreshInterval), options.RelayRefreshInterval)
    .Positive(nameof(FilesOptions.WriteIdleTimeout), options.WriteIdleTimeout)
    .Positive(nameof(FilesOptions.MaxModBytes), options.MaxModBytes)
    .Positive(nameof(FilesOptions.ModDownloadTimeout), options.ModDownloadTimeout)
    .Positive(nameof(FilesOptions.TransferConnectTimeout), options.TransferConnectTimeout));
