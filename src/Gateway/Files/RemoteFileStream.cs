using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// A read-only, seekable view of a file in a container, fetched one piece (<see cref="FileLimits.PieceBytes"/>) at a
/// time through the files grain: the response is written as the pieces arrive, and only one is held. A file that
/// changes length or modification time while it is sent ends the response (a mixed file is never passed on).
/// </summary>
internal sealed class RemoteFileStream(IFilesGrain grain, Actor actor, string path, FileStat stat) : Stream
{
    private byte[] _block = [];
    private long _blockOffset;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => stat.Length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= stat.Length || buffer.Length == 0)
        {
            return 0;
        }

        if (_position < _blockOffset || _position >= _blockOffset + _block.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(FileLimits.PieceBytes, stat.Length - _position);
            var block = await grain.ReadAsync(actor, path, _position, count);
            if (block.Length != stat.Length || block.Modified != stat.Modified || block.Data.Length == 0)
            {
                throw new IOException("The file changed while it was being downloaded.");
            }

            _block = block.Data;
            _blockOffset = _position;
        }

        var start = (int)(_position - _blockOffset);
        var length = Math.Min(buffer.Length, _block.Length - start);
        _block.AsMemory(start, length).CopyTo(buffer);
        _position += length;
        return length;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => stat.Length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
