using ZlhGrind.Agent.Runtimes;

namespace ZlhGrind.Agent.Files;

/// <summary>Why a file operation was refused; <see cref="FileOperationException.Code"/> gives each a stable string for the API.</summary>
internal enum FileErrorCode
{
    NotFound,
    Exists,
    NotADirectory,
    IsADirectory,
    OutsideRoot,
    UnsafePath,
    InvalidPath,
    InvalidArgument,
    TooLarge,
    QuotaExceeded,
    DeniedByTemplate,
    PermissionDenied,
    InvalidArchive,
    DigestMismatch,
    DownloadFailed,
    IoError,
}

/// <summary>The one exception of the file manager: a stable code (<c>not_found</c>, <c>outside_root</c>, …) and a message naming the path.</summary>
internal sealed class FileOperationException(FileErrorCode error, string message, Exception? inner = null) : Exception(message, inner)
{
    public FileErrorCode Error { get; } = error;

    /// <summary>The code an API returns (snake_case, never renamed).</summary>
    public string Code => Error switch
    {
        FileErrorCode.NotFound => "not_found",
        FileErrorCode.Exists => "exists",
        FileErrorCode.NotADirectory => "not_a_directory",
        FileErrorCode.IsADirectory => "is_a_directory",
        FileErrorCode.OutsideRoot => "outside_root",
        FileErrorCode.UnsafePath => "unsafe_path",
        FileErrorCode.InvalidPath => "invalid_path",
        FileErrorCode.InvalidArgument => "invalid_argument",
        FileErrorCode.TooLarge => "too_large",
        FileErrorCode.QuotaExceeded => "quota_exceeded",
        FileErrorCode.DeniedByTemplate => "denied_by_template",
        FileErrorCode.PermissionDenied => "permission_denied",
        FileErrorCode.InvalidArchive => "invalid_archive",
        FileErrorCode.DigestMismatch => "digest_mismatch",
        FileErrorCode.DownloadFailed => "download_failed",
        _ => "io_error",
    };

    /// <summary>The refusal an errno means for <paramref name="path"/> (the path as the tenant named it, made printable).</summary>
    public static FileOperationException FromErrno(int errno, string path)
    {
        var shown = "'" + RelativePath.Printable(path) + "'";
        return errno switch
        {
            FileSyscalls.ENOENT => new(FileErrorCode.NotFound, $"{shown} does not exist"),
            FileSyscalls.EEXIST or FileSyscalls.ENOTEMPTY => new(FileErrorCode.Exists, $"{shown} already exists"),
            FileSyscalls.ENOTDIR => new(FileErrorCode.NotADirectory, $"{shown} is not a directory (or a part of it is not)"),
            FileSyscalls.EISDIR => new(FileErrorCode.IsADirectory, $"{shown} is a directory"),
            FileSyscalls.EXDEV => new(FileErrorCode.OutsideRoot, $"{shown} resolves outside the root"),
            FileSyscalls.ELOOP => new(FileErrorCode.UnsafePath, $"{shown} goes through a symbolic link, which this operation never follows"),
            FileSyscalls.ENAMETOOLONG => new(FileErrorCode.InvalidPath, $"{shown} has a name that is too long"),
            FileSyscalls.EINVAL => new(FileErrorCode.InvalidPath, $"{shown} cannot be used here (a directory cannot move into itself)"),
            FileSyscalls.EACCES or FileSyscalls.EPERM => new(FileErrorCode.PermissionDenied, $"{shown}: permission denied"),
            FileSyscalls.ENOSPC => new(FileErrorCode.QuotaExceeded, $"{shown}: the disk is full"),
            _ => new(FileErrorCode.IoError, $"{shown}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }
}
