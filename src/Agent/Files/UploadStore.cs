using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using ZlhGrind.Agent.Runtimes;
using static ZlhGrind.Agent.Files.FileSyscalls;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// The agent's side of resumable uploads into one <see cref="ConfinedRoot"/>: begin (path, size, sha-256) reserves the
/// whole size in the quota — an upload that cannot fit is refused before its first byte — and creates a staging file in
/// the root's <c>.zlh-uploads</c> directory; each chunk is written at its offset while its sha-256 is computed and is
/// counted in only when the digest matches (a chunk sent twice rewrites the same bytes); complete checks the whole
/// file's sha-256 and renames it into place with renameat2 (atomic, same file system). Uploads not completed within
/// <see cref="FilesOptions.UploadExpiry"/> are removed and their space given back. Uploads live in memory: an agent
/// restart removes the staging files it finds and the client begins again.
/// </summary>
internal sealed class UploadStore : IDisposable
{
    /// <summary>The staging directory, inside the root so completion is a rename on one file system.</summary>
    public const string StagingDirectory = ".zlh-uploads";

    private const int Sha256Bytes = 32;
    private const int CopyBufferBytes = 81920;

    private readonly ConfinedRoot _root;
    private readonly FilesOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Upload> _uploads = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ITimer _sweep;

    public UploadStore(ConfinedRoot root, FilesOptions options, TimeProvider time)
    {
        _root = root;
        _options = options;
        _time = time;
        RemoveLeftovers();
        _sweep = time.CreateTimer(_ => RemoveExpired(), null, options.UploadSweepInterval, options.UploadSweepInterval);
    }

    /// <summary>Starts an upload of <paramref name="size"/> bytes to <paramref name="path"/>; its sha-256 is checked at completion.</summary>
    public UploadTicket Begin(string path, long size, byte[] sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        var relative = ConfinedRoot.NormalizeNotRoot(path);
        if (size < 0 || size > _options.MaxUploadBytes)
        {
            throw new FileOperationException(FileErrorCode.TooLarge, $"an upload must be between 0 and {_options.MaxUploadBytes} bytes (got {size})");
        }

        if (sha256.Length != Sha256Bytes)
        {
            throw new FileOperationException(FileErrorCode.InvalidArgument, $"sha256 must be {Sha256Bytes} bytes (got {sha256.Length})");
        }

        _root.Denylist.Check(relative, isDirectory: false);
        using (var parent = _root.OpenParent(relative, out var name, followLinks: true, path))
        {
            if (Stat(parent, name, out _) is { IsDirectory: true })
            {
                throw FileOperationException.FromErrno(EISDIR, path);
            }
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var chunks = (int)Math.Max(1, (size + _options.UploadChunkBytes - 1) / _options.UploadChunkBytes);
        var upload = new Upload(id, relative, size, sha256.ToArray(), new bool[chunks], _time.GetUtcNow() + _options.UploadExpiry);
        lock (_gate)
        {
            if (_uploads.Count >= _options.MaxUploadsPerRoot)
            {
                throw new FileOperationException(FileErrorCode.TooLarge, $"at most {_options.MaxUploadsPerRoot} uploads may be unfinished at once");
            }

            // Reserved and registered together, so concurrent begins cannot pass the limit or the quota between the two.
            _root.Quota.Reserve(size);
            _uploads[id] = upload;
        }

        try
        {
            using var staging = _root.OpenOrCreateBelowRoot(StagingDirectory);
            var fd = OpenAt(staging, id, OWrite | OCreate | OExclusive | ONoFollow | OCloseOnExec, 0x180, out var errno);
            if (fd < 0)
            {
                throw FileOperationException.FromErrno(errno, StagingDirectory + "/" + id);
            }

            using (var file = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1))
            {
                // Sparse: blocks are used as chunks arrive; the quota already holds the whole size.
                file.SetLength(size);
            }
        }
        catch
        {
            lock (_gate)
            {
                _uploads.Remove(id);
            }

            _root.Quota.Release(size);
            throw;
        }

        return new UploadTicket(id, _options.UploadChunkBytes, chunks);
    }

    /// <summary>Writes chunk <paramref name="index"/> (exactly its length: the chunk size, the last one the rest) and counts it in when its sha-256 is <paramref name="sha256"/>.</summary>
    public async Task<UploadStatus> PutChunkAsync(string uploadId, int index, Stream content, byte[] sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(sha256);
        var upload = Find(uploadId);
        if (index < 0 || index >= upload.Received.Length)
        {
            throw new FileOperationException(FileErrorCode.InvalidArgument, $"chunk {index} is out of range: the upload has chunks 0 to {upload.Received.Length - 1}");
        }

        var offset = index * _options.UploadChunkBytes;
        var expected = Math.Min(_options.UploadChunkBytes, upload.Size - offset);
        using var staging = _root.OpenOrCreateBelowRoot(StagingDirectory);
        var fd = OpenAt(staging, uploadId, OWrite | ONoFollow | OCloseOnExec, 0, out var errno);
        if (fd < 0)
        {
            throw FileOperationException.FromErrno(errno, upload.Path);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var file = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1))
        {
            file.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[CopyBufferBytes];
            long written = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (written + read > expected)
                {
                    throw new FileOperationException(FileErrorCode.TooLarge, $"chunk {index} is larger than {expected} bytes");
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                written += read;
            }

            if (written != expected)
            {
                throw new FileOperationException(FileErrorCode.InvalidArgument, $"chunk {index} must be {expected} bytes (got {written})");
            }
        }

        if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), sha256))
        {
            throw new FileOperationException(FileErrorCode.DigestMismatch, $"chunk {index} does not match its sha-256 digest");
        }

        lock (_gate)
        {
            upload.Received[index] = true;
        }

        return Status(uploadId);
    }

    /// <summary>Which chunks are in.</summary>
    public UploadStatus Status(string uploadId)
    {
        var upload = Find(uploadId);
        lock (_gate)
        {
            var received = Enumerable.Range(0, upload.Received.Length).Where(i => upload.Received[i]).ToList();
            return new UploadStatus(upload.Id, upload.Path, upload.Size, _options.UploadChunkBytes, upload.Received.Length, received, upload.ExpiresAt);
        }
    }

    /// <summary>Checks that every chunk is in and the whole file's sha-256, then renames it to its path (replacing a file there); returns its size.</summary>
    public Task<long> CompleteAsync(string uploadId, CancellationToken cancellationToken) => CompleteAsync(uploadId, null, cancellationToken);

    /// <summary>
    /// As <see cref="CompleteAsync(string, CancellationToken)"/>, but renamed to <paramref name="destination"/> (a path in
    /// the root) instead of the path given at begin: a mod install takes an upload straight into the mods directory.
    /// </summary>
    public async Task<long> CompleteAsync(string uploadId, string? destination, CancellationToken cancellationToken)
    {
        var upload = FindComplete(uploadId);
        var path = destination is null ? upload.Path : ConfinedRoot.NormalizeNotRoot(destination);

        using var staging = _root.OpenOrCreateBelowRoot(StagingDirectory);
        var fd = OpenAt(staging, uploadId, ORead | ONoFollow | OCloseOnExec, 0, out var errno);
        if (fd < 0)
        {
            throw FileOperationException.FromErrno(errno, upload.Path);
        }

        await using (var file = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1))
        {
            var digest = await SHA256.HashDataAsync(file, cancellationToken);
            if (!CryptographicOperations.FixedTimeEquals(digest, upload.Sha256))
            {
                throw new FileOperationException(FileErrorCode.DigestMismatch, $"'{RelativePath.Printable(upload.Path)}' does not match the sha-256 given when the upload began");
            }
        }

        // The denylist is checked again: the template may have changed while the chunks came in.
        _root.Denylist.Check(path, isDirectory: false);
        using var parent = _root.OpenParent(path, out var name, followLinks: true, path);
        var replaced = Stat(parent, name, out _);
        var renamed = Rename(staging, uploadId, parent, name, 0);
        if (renamed != 0)
        {
            throw FileOperationException.FromErrno(renamed, path);
        }

        lock (_gate)
        {
            _uploads.Remove(uploadId);
        }

        if (replaced is { IsRegular: true, LinkCount: 1 } old)
        {
            _root.Quota.Release(old.Size);
        }

        return upload.Size;
    }

    /// <summary>Refuses (as completing would) an upload that does not exist or still misses chunks; nothing changes either way.</summary>
    public void CheckComplete(string uploadId) => FindComplete(uploadId);

    /// <summary>Drops an unfinished upload and frees its space.</summary>
    public void Abort(string uploadId) => Remove(Find(uploadId));

    /// <summary>Removes every upload past its expiry; returns how many.</summary>
    public int RemoveExpired()
    {
        List<Upload> expired;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            expired = _uploads.Values.Where(upload => upload.ExpiresAt <= now).ToList();
        }

        foreach (var upload in expired)
        {
            Remove(upload);
        }

        return expired.Count;
    }

    public void Dispose() => _sweep.Dispose();

    private Upload Find(string uploadId)
    {
        lock (_gate)
        {
            return _uploads.GetValueOrDefault(uploadId)
                ?? throw new FileOperationException(FileErrorCode.NotFound, $"upload '{RelativePath.Printable(uploadId)}' does not exist (it completed, was aborted or expired)");
        }
    }

    private Upload FindComplete(string uploadId)
    {
        var upload = Find(uploadId);
        int missing;
        lock (_gate)
        {
            missing = upload.Received.Count(received => !received);
        }

        if (missing > 0)
        {
            throw new FileOperationException(FileErrorCode.InvalidArgument, $"{missing} of {upload.Received.Length} chunks are still missing");
        }

        return upload;
    }

    private void Remove(Upload upload)
    {
        lock (_gate)
        {
            if (!_uploads.Remove(upload.Id))
            {
                return;
            }
        }

        try
        {
            using var staging = _root.OpenOrCreateBelowRoot(StagingDirectory);
            Unlink(staging, upload.Id, 0);
        }
        catch (FileOperationException)
        {
            // The tenant removed or replaced the staging directory (a link is refused, never followed): nothing of ours to remove.
        }
        finally
        {
            _root.Quota.Release(upload.Size);
        }
    }

    /// <summary>Staging files of an earlier agent belong to uploads nobody can finish: removed (and so no longer counted).</summary>
    private void RemoveLeftovers()
    {
        try
        {
            using var staging = _root.OpenOrCreateBelowRoot(StagingDirectory);
            foreach (var name in ReadDirectory(staging, out _))
            {
                if (Stat(staging, name, out _) is { IsRegular: true } stat && Unlink(staging, name, 0) == 0)
                {
                    _root.Quota.Release(stat.Size);
                }
            }
        }
        catch (FileOperationException)
        {
            // A staging path the tenant replaced (with a link or a file) is left alone; begin will refuse it the same way.
        }
    }

    private sealed record Upload(string Id, string Path, long Size, byte[] Sha256, bool[] Received, DateTimeOffset ExpiresAt);
}

/// <summary>What begin answers: the upload's id, the chunk size and how many chunks to send.</summary>
internal sealed record UploadTicket(string UploadId, long ChunkSize, int ChunkCount);

/// <summary>An unfinished upload: which chunks are in, and when it expires.</summary>
internal sealed record UploadStatus(string UploadId, string Path, long Size, long ChunkSize, int ChunkCount, IReadOnlyList<int> ReceivedChunks, DateTimeOffset ExpiresAt);
