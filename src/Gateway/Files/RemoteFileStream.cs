using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// A read-only, seekable view of a file in a container, fetched one piece (<see cref="FileLimits.PieceBytes"/>) at a
/// time through the files grain: the response is written as the pieces arrive. Once the reader goes on past a piece
/// (a download, not a short Range), the next <see cref="ReadAhead"/> pieces are asked for at once: each read names its
/// offset, so they may travel side by side and still arrive in order, and the round trips overlap instead of adding up
/// (at most <see cref="ReadAhead"/> + 1 pieces held). A file that changes length or modification time while it is sent
/// ends the response (a mixed file is never passed on).
/// </summary>
internal sealed class RemoteFileStream(IFilesGrain grain, Actor actor, string path, FileStat stat) : RemoteReadStream(stat.Length)
{
    /// <summary>Pieces requested ahead of the one being sent, once the download is sequential.</summary>
    internal const int ReadAhead = 7;

    private readonly Queue<(long Offset, Task<FileBlock> Read)> _ahead = new();
    private byte[] _block = [];
    private long _blockOffset;
    private long _requested;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Position >= stat.Length || buffer.Length == 0)
        {
            return 0;
        }

        if (Position < _blockOffset || Position >= _blockOffset + _block.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var block = await NextBlockAsync();
            if (block.Length != stat.Length || block.Modified != stat.Modified || block.Data.Length == 0)
            {
                throw new IOException("The file changed while it was being downloaded.");
            }

            _block = block.Data;
            _blockOffset = Position;
        }

        var start = (int)(Position - _blockOffset);
        var length = Math.Min(buffer.Length, _block.Length - start);
        _block.AsMemory(start, length).CopyTo(buffer);
        Position += length;
        return length;
    }

    /// <summary>The piece at the position: already asked for when reading on sequentially, else asked for now.</summary>
    private Task<FileBlock> NextBlockAsync()
    {
        var sequential = _block.Length > 0 && Position == _blockOffset + _block.Length;
        if (_ahead.TryPeek(out var head) && head.Offset != Position)
        {
            // A seek elsewhere: what was asked for ahead is not needed (its outcome is observed, never thrown).
            while (_ahead.TryDequeue(out var stale))
            {
                Forget(stale.Read);
            }
        }

        if (_ahead.Count == 0)
        {
            _requested = Position;
            Request();
        }

        while (sequential && _ahead.Count <= ReadAhead && _requested < stat.Length)
        {
            Request();
        }

        return _ahead.Dequeue().Read;
    }

    private void Request()
    {
        var count = (int)Math.Min(FileLimits.PieceBytes, stat.Length - _requested);
        _ahead.Enqueue((_requested, grain.ReadAsync(actor, path, _requested, count)));
        _requested += count;
    }

    private static void Forget(Task<FileBlock> read) =>
        read.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    protected override void Dispose(bool disposing)
    {
        while (_ahead.TryDequeue(out var abandoned))
        {
            Forget(abandoned.Read);
        }

        base.Dispose(disposing);
    }
}
