namespace ZlhGrind.Agent.Runtimes;

/// <summary>Why an install (or a removal or rollback) was refused; the message carries the detail.</summary>
internal enum InstallFailure
{
    InvalidEntry,
    DownloadFailed,
    HashMismatch,
    TooLarge,
    UnsafeArchive,
    VerifyFailed,
    InUse,
    NotInstalled,
}
