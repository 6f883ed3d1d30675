namespace ZlhGrind.Gateway.Files;

/// <summary>Body of <c>POST …/files/mkdir</c> and <c>…/files/delete</c>.</summary>
public sealed record FilePathRequest(string? Path = null);

/// <summary>Body of <c>POST …/files/rename</c> and <c>…/files/copy</c>.</summary>
public sealed record FileMoveRequest(string? From = null, string? To = null);

/// <summary>Body of <c>POST …/files/chmod</c>: <c>mode</c> in octal digits ("755", "0644").</summary>
public sealed record FileModeRequest(string? Path = null, string? Mode = null);

/// <summary>Body of <c>POST …/files/compress</c>: <c>format</c> is tar.gz or zip.</summary>
public sealed record FileCompressRequest(IReadOnlyList<string>? Paths = null, string? Destination = null, string? Format = null);

/// <summary>Body of <c>POST …/files/extract</c>.</summary>
public sealed record FileExtractRequest(string? Archive = null, string? Destination = null);

/// <summary>Body of <c>POST …/uploads</c>: <c>sha256</c> of the whole file in hex.</summary>
public sealed record UploadBeginRequest(string? Path = null, long? Size = null, string? Sha256 = null);

/// <summary>Answer of a whole-file write, a completed upload, a compress or an extract: the path and the bytes written.</summary>
public sealed record FileWritten(string Path, long Size);
