namespace ZlhGrind.Grains.Files;

/// <summary>One entry of a listing: <see cref="Type"/> is file, directory, link or other; a link shows its target.</summary>
[GenerateSerializer, Immutable, Alias("zlh.FileItem")]
public sealed record FileItem(string Name, string Type, long Size, int Mode, DateTimeOffset Modified, string? LinkTarget);

/// <summary>A directory's entries, sorted by name; <see cref="Truncated"/> when more than <see cref="FileLimits.ListEntries"/> were there.</summary>
[GenerateSerializer, Immutable, Alias("zlh.FileListing")]
public sealed record FileListing(IReadOnlyList<FileItem> Entries, bool Truncated);

/// <summary>A regular file's length and modification time.</summary>
[GenerateSerializer, Immutable, Alias("zlh.FileStat")]
public sealed record FileStat(long Length, DateTimeOffset Modified);

/// <summary>Bytes read at an offset, with the file's length and modification time when read (a change mid-download shows).</summary>
[GenerateSerializer, Immutable, Alias("zlh.FileBlock")]
public sealed record FileBlock(byte[] Data, long Length, DateTimeOffset Modified);

/// <summary>A started upload: its id, the chunk size and how many chunks to send.</summary>
[GenerateSerializer, Immutable, Alias("zlh.UploadStarted")]
public sealed record UploadStarted(string UploadId, long ChunkSize, int ChunkCount);

/// <summary>An unfinished upload: which chunks are in and when it expires.</summary>
[GenerateSerializer, Immutable, Alias("zlh.UploadState")]
public sealed record UploadState(string UploadId, string Path, long Size, long ChunkSize, int ChunkCount, IReadOnlyList<int> ReceivedChunks, DateTimeOffset ExpiresAt);

/// <summary>The largest values the file manager takes (README: "Files").</summary>
public static class FileLimits
{
    /// <summary>Refuses a disk quota outside <see cref="MinDiskMb"/>..<see cref="MaxDiskMb"/> (null: none) with a message naming <c>diskMb</c>.</summary>
    public static void CheckDiskMb(int? diskMb)
    {
        if (diskMb is < MinDiskMb or > MaxDiskMb)
        {
            throw new Containers.InvalidRequestException($"diskMb must be between {MinDiskMb} and {MaxDiskMb}.");
        }
    }

    /// <summary>Bytes of one piece between gateway, silo and agent (well below the silo's 8 MiB message cap).</summary>
    public const int PieceBytes = 1024 * 1024;

    /// <summary>Pieces of one write that may travel at once; each names its offset and the agent writes them in order.</summary>
    public const int PiecesInFlight = 8;

    /// <summary>UTF-8 bytes of one path.</summary>
    public const int PathBytes = 4096;

    /// <summary>Entries one listing returns.</summary>
    public const int ListEntries = 10_000;

    /// <summary>Paths one compress call names.</summary>
    public const int CompressPaths = 1000;

    /// <summary>Bytes of a whole-file write (PUT /content); larger files go through uploads.</summary>
    public const long WriteBytes = 16L * 1024 * 1024;

    /// <summary>Characters of a refusal's message relayed from an agent.</summary>
    public const int MessageChars = 500;

    /// <summary>The smallest per-container disk quota a spec may ask for (<c>diskMb</c>).</summary>
    public const int MinDiskMb = 1;

    /// <summary>The largest per-container disk quota a spec may ask for (<c>diskMb</c>, 16 TiB).</summary>
    public const int MaxDiskMb = 16 * 1024 * 1024;

    /// <summary>Characters of an id the agent hands out (writes, uploads).</summary>
    public const int IdChars = 64;

    /// <summary>The stable codes a refusal may carry; anything else an agent answers becomes io_error.</summary>
    public static IReadOnlySet<string> Codes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "not_found", "exists", "not_a_directory", "is_a_directory", "outside_root", "unsafe_path", "invalid_path",
        "invalid_argument", "too_large", "quota_exceeded", "denied_by_template", "permission_denied", "invalid_archive",
        "digest_mismatch", "download_failed", "io_error",
    };
}

/// <summary>Turns what an agent answered as a refusal into one with a known code and a bounded message (the agent is the tenant's).</summary>
public static class FileRefusals
{
    /// <summary>The refusal to pass on: an unknown code becomes io_error, a message is cut at <see cref="FileLimits.MessageChars"/>.</summary>
    public static FileRefusedException Bounded(string? code, string? message)
    {
        var known = code is not null && FileLimits.Codes.Contains(code) ? code : "io_error";
        message ??= string.Empty;
        return new FileRefusedException(known, message.Length > FileLimits.MessageChars ? message[..FileLimits.MessageChars] : message);
    }
}

/// <summary>A file operation the agent refused; <see cref="Code"/> is stable (not_found, quota_exceeded, …), the message names the path.</summary>
[GenerateSerializer, Alias("zlh.FileRefusedException")]
public sealed class FileRefusedException : Exception
{
    public FileRefusedException()
    {
    }

    public FileRefusedException(string message)
        : base(message)
    {
    }

    public FileRefusedException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public FileRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    [Id(0)]
    public string Code { get; init; } = "io_error";
}

/// <summary>The container's agent is not connected, so its files cannot be reached now (HTTP 503).</summary>
[GenerateSerializer, Alias("zlh.FilesUnavailableException")]
public sealed class FilesUnavailableException : Exception
{
    public FilesUnavailableException()
    {
    }

    public FilesUnavailableException(string message)
        : base(message)
    {
    }

    public FilesUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
