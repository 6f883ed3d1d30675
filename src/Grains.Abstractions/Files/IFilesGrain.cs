using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Grains.Files;

/// <summary>
/// The file manager of one container (key: container id), relayed to the container's agent, which only dials out.
/// Bytes travel in pieces of at most <see cref="FileLimits.PieceBytes"/>, at most <see cref="FileLimits.PiecesInFlight"/>
/// of a transfer at once, so no whole file is held anywhere and a slow disk slows the sender. Refusals are <see cref="FileRefusedException"/>;
/// an agent that is not connected is <see cref="FilesUnavailableException"/>; another user's container is
/// <see cref="ContainerNotFoundException"/>.
/// </summary>
[Alias("zlh.IFilesGrain")]
public interface IFilesGrain : IGrainWithIntegerKey
{
    /// <summary>The entries of a directory (links described, never followed).</summary>
    [Alias("List"), Accepts(CallerKind.Gateway)]
    Task<FileListing> ListAsync(Actor actor, string path);

    /// <summary>The length and modification time of a regular file to download.</summary>
    [Alias("Stat"), Accepts(CallerKind.Gateway)]
    Task<FileStat> StatAsync(Actor actor, string path);

    /// <summary>At most <paramref name="count"/> bytes (≤ <see cref="FileLimits.PieceBytes"/>) from <paramref name="offset"/>.</summary>
    [Alias("Read"), Accepts(CallerKind.Gateway)]
    Task<FileBlock> ReadAsync(Actor actor, string path, long offset, int count);

    /// <summary>Opens a write of a whole file (≤ 16 MiB) fed by <see cref="AppendAsync"/>; returns the write's id.</summary>
    [Alias("BeginWrite"), Accepts(CallerKind.Gateway)]
    Task<string> BeginWriteAsync(Actor actor, string path);

    /// <summary>Opens a write of one chunk of an upload, to be checked against <paramref name="sha256"/>; returns the write's id.</summary>
    [Alias("BeginChunk"), Accepts(CallerKind.Gateway)]
    Task<string> BeginChunkAsync(Actor actor, string uploadId, int index, byte[] sha256);

    /// <summary>
    /// The piece of an open write at <paramref name="offset"/> (up to <see cref="FileLimits.PiecesInFlight"/> travel at
    /// once, in any order; the agent writes them in offset order); returns once the agent has taken it (backpressure).
    /// </summary>
    [Alias("Append"), Accepts(CallerKind.Gateway)]
    Task AppendAsync(Actor actor, string writeId, long offset, byte[] data);

    /// <summary>Ends an open write and commits it; returns the bytes written.</summary>
    [Alias("Finish"), Accepts(CallerKind.Gateway), ResponseTimeout("00:01:00")]
    Task<long> FinishAsync(Actor actor, string writeId);

    /// <summary>Drops an open write; nothing of it is kept.</summary>
    [Alias("Abort"), Accepts(CallerKind.Gateway)]
    Task AbortAsync(Actor actor, string writeId);

    [Alias("MakeDirectory"), Accepts(CallerKind.Gateway)]
    Task MakeDirectoryAsync(Actor actor, string path);

    /// <summary>Moves a file, link or directory; an existing target is refused.</summary>
    [Alias("Rename"), Accepts(CallerKind.Gateway)]
    Task RenameAsync(Actor actor, string from, string to);

    [Alias("Copy"), Accepts(CallerKind.Gateway), ResponseTimeout("00:05:00")]
    Task CopyAsync(Actor actor, string from, string to);

    /// <summary>Deletes a file, a link (itself) or a directory tree.</summary>
    [Alias("Delete"), Accepts(CallerKind.Gateway), ResponseTimeout("00:05:00")]
    Task DeleteAsync(Actor actor, string path);

    /// <summary>Sets permission bits 0–0777; a link is refused.</summary>
    [Alias("ChangeMode"), Accepts(CallerKind.Gateway)]
    Task ChangeModeAsync(Actor actor, string path, int mode);

    /// <summary>Packs <paramref name="paths"/> into a new <paramref name="format"/> ("tar.gz" or "zip") archive; returns its size.</summary>
    [Alias("Compress"), Accepts(CallerKind.Gateway), ResponseTimeout("00:05:00")]
    Task<long> CompressAsync(Actor actor, IReadOnlyList<string> paths, string destination, string format);

    /// <summary>Unpacks a tar.gz or zip into a directory; returns the bytes written.</summary>
    [Alias("Extract"), Accepts(CallerKind.Gateway), ResponseTimeout("00:05:00")]
    Task<long> ExtractAsync(Actor actor, string archive, string destination);

    /// <summary>Starts a resumable upload; the whole size is held against the quota now.</summary>
    [Alias("BeginUpload"), Accepts(CallerKind.Gateway)]
    Task<UploadStarted> BeginUploadAsync(Actor actor, string path, long size, byte[] sha256);

    /// <summary>Which chunks of an upload are in.</summary>
    [Alias("GetUpload"), Accepts(CallerKind.Gateway)]
    Task<UploadState> GetUploadAsync(Actor actor, string uploadId);

    /// <summary>Verifies the whole file's sha-256 and renames it into place; returns its size.</summary>
    [Alias("CompleteUpload"), Accepts(CallerKind.Gateway), ResponseTimeout("00:05:00")]
    Task<long> CompleteUploadAsync(Actor actor, string uploadId);

    /// <summary>
    /// Orders the agent to dial the gateway's transfer socket for one read, write or upload chunk (README: "Files");
    /// authorized and validated like the chunked calls it stands for.
    /// </summary>
    [Alias("OpenTransfer"), Accepts(CallerKind.Gateway)]
    Task OpenTransferAsync(Actor actor, FileTransferOrder order);

    /// <summary>The agent's file endpoint (re)registers.</summary>
    [Alias("ConnectAgent"), Accepts(CallerKind.Agent)]
    Task ConnectAgentAsync(IFilesAgent agent);
}
