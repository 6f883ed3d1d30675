using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ZlhGrind.Grains.Files;
using RemoteFileStat = ZlhGrind.Grains.Files.FileStat;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// The agent's answer to its files grain: every call runs on the <see cref="ConfinedRoot"/> of the container's file
/// directory (opened at the first call, since a server's directory appears only once installed). Writes arrive in
/// pieces: begin starts the consumer (a whole-file write or one upload chunk) on a <see cref="PieceStream"/> and
/// answers once it passed its checks, append waits while the disk is behind, finish commits; a write left idle for
/// <see cref="FilesOptions.WriteIdleTimeout"/> is aborted and leaves nothing. Refusals leave as
/// <see cref="FileRefusedException"/> with the file manager's stable code; nothing else of the agent does.
/// </summary>
internal sealed partial class FilesRelay : IFilesAgent, IAsyncDisposable
{
    // Pieces queued per write: enough to keep the disk busy while the next piece travels, little enough to hold.
    private const int QueuedPieces = 4;

    private readonly FileRootSource _source;
    private readonly FilesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, OpenWrite> _writes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ITimer _sweep;
    private readonly ModsManager _mods;
    private ConfinedRoot? _root;
    private string? _rootDirectory;
    private UploadStore? _uploads;

    public FilesRelay(string directory, FilesOptions options, FileRootPolicy policy, TimeProvider time, ILogger logger)
        : this(FileRootSource.Fixed(directory, policy), options, time, logger)
    {
    }

    public FilesRelay(FileRootSource source, FilesOptions options, TimeProvider time, ILogger logger)
    {
        _source = source;
        _options = options;
        _time = time;
        _mods = new ModsManager(source.StateDirectory, options, time);
        _logger = logger;
        _sweep = time.CreateTimer(_ => AbortIdle(), null, options.WriteIdleTimeout, options.WriteIdleTimeout);
    }

    public Task<FileListing> ListAsync(string path) => Guard(() =>
    {
        var entries = Root().List(path);
        var items = entries.Take(FileLimits.ListEntries)
            .Select(e => new FileItem(e.Name, KindName(e.Kind), e.Size, (int)e.Mode, e.Modified, e.LinkTarget))
            .ToArray();
        return Task.FromResult(new FileListing(items, entries.Count > FileLimits.ListEntries));
    });

    public Task<RemoteFileStat> StatAsync(string path) => Guard(() =>
    {
        var content = Root().OpenRead(path);
        using var stream = (FileStream)content.Stream;
        return Task.FromResult(new RemoteFileStat(content.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle)));
    });

    public Task<FileBlock> ReadAsync(string path, long offset, int count) => Guard(async () =>
    {
        count = Math.Clamp(count, 1, FileLimits.PieceBytes);
        var content = Root().OpenRead(path);
        await using var stream = (FileStream)content.Stream;
        var data = new byte[(int)Math.Clamp(content.Length - offset, 0, count)];
        var filled = 0;
        if (data.Length > 0)
        {
            stream.Seek(offset, SeekOrigin.Begin);
            int read;
            while (filled < data.Length && (read = await stream.ReadAsync(data.AsMemory(filled))) > 0)
            {
                filled += read;
            }
        }

        return new FileBlock(filled == data.Length ? data : data[..filled], content.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle));
    });

    public Task<string> BeginWriteAsync(string path) => Guard(() => BeginAsync(stream => Root().WriteAsync(path, stream, CancellationToken.None)));

    public Task<string> BeginChunkAsync(string uploadId, int index, byte[] sha256) => Guard(() =>
    {
        var uploads = Uploads();
        return BeginAsync(async stream =>
        {
            await uploads.PutChunkAsync(uploadId, index, stream, sha256, CancellationToken.None);
            return (long)0;
        });
    });

    public Task AppendAsync(string writeId, long offset, byte[] data) => Guard(async () =>
    {
        var write = Find(writeId);
        write.Touch(_time.GetUtcNow());
        if (!await write.ArriveAsync(offset, data))
        {
            // The consumer ended before the bytes did: its refusal (too large, quota) is the answer.
            await EndAsync(write);
            throw new FileOperationException(FileErrorCode.TooLarge, "more bytes were sent than the write takes");
        }

        return true;
    });

    public Task<long> FinishAsync(string writeId) => Guard(async () =>
    {
        var write = Find(writeId);
        write.Stream.Complete();
        return await EndAsync(write);
    });

    public Task AbortAsync(string writeId) => Guard(async () =>
    {
        await AbortAsync(Find(writeId));
        return true;
    });

    public Task MakeDirectoryAsync(string path) => Guard(() =>
    {
        Root().MakeDirectory(path);
        return Task.FromResult(true);
    });

    public Task RenameAsync(string from, string to) => Guard(() =>
    {
        Root().Rename(from, to, noReplace: true);
        return Task.FromResult(true);
    });

    public Task CopyAsync(string from, string to) => Guard(async () =>
    {
        await Root().CopyAsync(from, to, CancellationToken.None);
        return true;
    });

    public Task DeleteAsync(string path) => Guard(() =>
    {
        Root().Delete(path);
        return Task.FromResult(true);
    });

    public Task ChangeModeAsync(string path, int mode) => Guard(() =>
    {
        Root().ChangeMode(path, (uint)mode);
        return Task.FromResult(true);
    });

    public Task<long> CompressAsync(IReadOnlyList<string> paths, string destination, string format) => Guard(() =>
    {
        var archive = format switch
        {
            "tar.gz" => ArchiveFormat.TarGz,
            "zip" => ArchiveFormat.Zip,
            _ => throw new FileOperationException(FileErrorCode.InvalidArgument, "format must be tar.gz or zip"),
        };
        return Root().CompressAsync(paths, destination, archive, CancellationToken.None);
    });

    public Task<long> ExtractAsync(string archive, string destination) => Guard(() => Root().ExtractAsync(archive, destination, CancellationToken.None));

    public Task<UploadStarted> BeginUploadAsync(string path, long size, byte[] sha256) => Guard(() =>
    {
        var ticket = Uploads().Begin(path, size, sha256);
        return Task.FromResult(new UploadStarted(ticket.UploadId, ticket.ChunkSize, ticket.ChunkCount));
    });

    public Task<UploadState> GetUploadAsync(string uploadId) => Guard(() =>
    {
        var status = Uploads().Status(uploadId);
        return Task.FromResult(new UploadState(status.UploadId, status.Path, status.Size, status.ChunkSize, status.ChunkCount, status.ReceivedChunks, status.ExpiresAt));
    });

    public Task<long> CompleteUploadAsync(string uploadId) => Guard(() => Uploads().CompleteAsync(uploadId, CancellationToken.None));

    public async ValueTask DisposeAsync()
    {
        await _sweep.DisposeAsync();
        List<OpenWrite> open;
        lock (_gate)
        {
            open = [.. _writes.Values];
        }

        foreach (var write in open)
        {
            await AbortAsync(write);
        }

        _uploads?.Dispose();
        _root?.Dispose();
        _mods.Dispose();
    }

    /// <summary>Aborts writes idle past <see cref="FilesOptions.WriteIdleTimeout"/> (a gateway that went away mid-body).</summary>
    internal void AbortIdle()
    {
        var now = _time.GetUtcNow();
        List<OpenWrite> idle;
        lock (_gate)
        {
            idle = _writes.Values.Where(w => now - w.LastUsed >= _options.WriteIdleTimeout).ToList();
        }

        foreach (var write in idle)
        {
            LogIdleWriteAborted(_logger, write.Id);
            _ = AbortAsync(write);
        }
    }

    /// <summary>Raised when a write ended (finished, refused or aborted) and was forgotten; tests wait on it.</summary>
    internal event Action<string>? WriteEnded;

    /// <summary>How many writes are open (for tests: a refused or aborted write leaves none).</summary>
    internal int OpenWrites
    {
        get
        {
            lock (_gate)
            {
                return _writes.Count;
            }
        }
    }

    private static string KindName(FileEntryKind kind) => kind switch
    {
        FileEntryKind.File => "file",
        FileEntryKind.Directory => "directory",
        FileEntryKind.Link => "link",
        _ => "other",
    };

    private async Task<string> BeginAsync(Func<Stream, Task<long>> consume)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var stream = new PieceStream(QueuedPieces);
        var consumer = Task.Run(async () =>
        {
            try
            {
                return await consume(stream);
            }
            finally
            {
                // Whatever ended the consumer, a sender waiting on a full queue is released.
                stream.Complete();
            }
        });
        var write = new OpenWrite(id, stream, consumer, _time.GetUtcNow());
        await Task.WhenAny(consumer, stream.Started);
        if (consumer.IsCompleted)
        {
            // Refused before its first byte (path, link, denylist, unknown upload): nothing was opened.
            await consumer;
        }

        lock (_gate)
        {
            _writes[id] = write;
        }

        return id;
    }

    private async Task<long> EndAsync(OpenWrite write)
    {
        try
        {
            return await write.Consumer;
        }
        finally
        {
            lock (_gate)
            {
                _writes.Remove(write.Id);
            }

            WriteEnded?.Invoke(write.Id);
        }
    }

    private async Task AbortAsync(OpenWrite write)
    {
        write.Stream.Complete(new OperationCanceledException("the write was aborted"));
        try
        {
            await EndAsync(write);
        }
        catch (Exception ex) when (ex is OperationCanceledException or FileOperationException)
        {
            // Expected: the consumer gave up and removed what it had written.
        }
    }

    private OpenWrite Find(string writeId)
    {
        lock (_gate)
        {
            return _writes.GetValueOrDefault(writeId)
                ?? throw new FileOperationException(FileErrorCode.NotFound, "the write does not exist (it finished, was aborted or sat idle too long)");
        }
    }

    /// <summary>Where the root comes from (the workload sets its policy).</summary>
    internal FileRootSource Source => _source;

    /// <summary>
    /// The root, opened at the first call and given the policy in force at every call. A dev workspace that moved
    /// (the dev user was prepared with another home) is opened anew; its uploads start over.
    /// </summary>
    internal ConfinedRoot Root()
    {
        var directory = _source.Directory
            ?? throw new FileOperationException(FileErrorCode.NotFound, "the container's files do not exist yet (it is still being provisioned)");
        var policy = _source.Policy;
        lock (_gate)
        {
            if (_root is not null && !string.Equals(_rootDirectory, directory, StringComparison.Ordinal))
            {
                _uploads?.Dispose();
                _uploads = null;
                _root.Dispose();
                _root = null;
            }

            _root ??= ConfinedRoot.Open(directory, _options, policy);
            _rootDirectory = directory;
            _root.Apply(policy);
            return _root;
        }
    }

    private UploadStore Uploads()
    {
        var root = Root();
        lock (_gate)
        {
            return _uploads ??= new UploadStore(root, _options, _time);
        }
    }

    /// <summary>Runs one call; the file manager's refusals leave with their stable code, anything else as io_error (logged here, not sent).</summary>
    private async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (FileOperationException ex)
        {
            throw new FileRefusedException(ex.Code, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException or ArgumentException)
        {
            LogCallFailed(_logger, ex);
            throw new FileRefusedException("io_error", "The file operation failed in the container.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A file operation failed")]
    private static partial void LogCallFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted file write {WriteId}: idle too long")]
    private static partial void LogIdleWriteAborted(ILogger logger, string writeId);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A SemaphoreSlim whose wait handle is never asked for holds nothing to dispose; disposing it under a waiting piece would fail that call.")]
    private sealed class OpenWrite(string id, PieceStream stream, Task<long> consumer, DateTimeOffset lastUsed)
    {
        // A sender may have this many bytes travelling past the first one not yet taken (FileLimits.PiecesInFlight).
        private const long WindowBytes = (long)FileLimits.PiecesInFlight * FileLimits.PieceBytes;

        private readonly SemaphoreSlim _order = new(1, 1);
        private readonly Dictionary<long, byte[]> _early = [];
        private long _next;
        private long _lastUsedTicks = lastUsed.UtcTicks;

        public string Id => id;

        public PieceStream Stream => stream;

        public Task<long> Consumer => consumer;

        public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);

        public void Touch(DateTimeOffset now) => Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);

        /// <summary>
        /// Takes the piece at <paramref name="offset"/>: pieces travel side by side and may arrive out of order, so an
        /// early one waits here (at most a window's worth) and each is offered to the stream in offset order. A piece
        /// already taken, taken twice or past the window is refused. False when the consumer ended first.
        /// </summary>
        public async Task<bool> ArriveAsync(long offset, byte[] data)
        {
            await _order.WaitAsync();
            try
            {
                if (offset < _next || offset - _next >= WindowBytes || !_early.TryAdd(offset, data))
                {
                    throw new FileOperationException(FileErrorCode.InvalidArgument, $"a piece at {offset} is outside the write's window (next {_next})");
                }

                while (_early.Remove(_next, out var piece))
                {
                    if (!await stream.OfferAsync(piece, CancellationToken.None))
                    {
                        return false;
                    }

                    _next += piece.Length;
                }

                return true;
            }
            finally
            {
                _order.Release();
            }
        }
    }
}
