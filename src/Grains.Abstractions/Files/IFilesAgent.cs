namespace ZlhGrind.Grains.Files;

/// <summary>The agent's side of the file manager, called by the files grain only (its replies are checked there).</summary>
[Alias("zlh.IFilesAgent")]
public interface IFilesAgent : IGrainObserver
{
    [Alias("List"), ResponseTimeout("00:00:30")]
    Task<FileListing> ListAsync(string path);

    [Alias("Stat"), ResponseTimeout("00:00:30")]
    Task<FileStat> StatAsync(string path);

    [Alias("Read"), ResponseTimeout("00:00:30")]
    Task<FileBlock> ReadAsync(string path, long offset, int count);

    [Alias("BeginWrite"), ResponseTimeout("00:00:30")]
    Task<string> BeginWriteAsync(string path);

    [Alias("BeginChunk"), ResponseTimeout("00:00:30")]
    Task<string> BeginChunkAsync(string uploadId, int index, byte[] sha256);

    [Alias("Append"), ResponseTimeout("00:00:30")]
    Task AppendAsync(string writeId, long offset, byte[] data);

    [Alias("Finish"), ResponseTimeout("00:01:00")]
    Task<long> FinishAsync(string writeId);

    [Alias("Abort"), ResponseTimeout("00:00:30")]
    Task AbortAsync(string writeId);

    [Alias("MakeDirectory"), ResponseTimeout("00:00:30")]
    Task MakeDirectoryAsync(string path);

    [Alias("Rename"), ResponseTimeout("00:00:30")]
    Task RenameAsync(string from, string to);

    [Alias("Copy"), ResponseTimeout("00:05:00")]
    Task CopyAsync(string from, string to);

    [Alias("Delete"), ResponseTimeout("00:05:00")]
    Task DeleteAsync(string path);

    [Alias("ChangeMode"), ResponseTimeout("00:00:30")]
    Task ChangeModeAsync(string path, int mode);

    [Alias("Compress"), ResponseTimeout("00:05:00")]
    Task<long> CompressAsync(IReadOnlyList<string> paths, string destination, string format);

    [Alias("Extract"), ResponseTimeout("00:05:00")]
    Task<long> ExtractAsync(string archive, string destination);

    [Alias("BeginUpload"), ResponseTimeout("00:00:30")]
    Task<UploadStarted> BeginUploadAsync(string path, long size, byte[] sha256);

    [Alias("GetUpload"), ResponseTimeout("00:00:30")]
    Task<UploadState> GetUploadAsync(string uploadId);

    [Alias("CompleteUpload"), ResponseTimeout("00:05:00")]
    Task<long> CompleteUploadAsync(string uploadId);

    /// <summary>Dials the gateway's transfer socket for the order (answers once the dial has started).</summary>
    [Alias("DialTransfer"), ResponseTimeout("00:00:10")]
    Task DialTransferAsync(FileTransferOrder order);
}
