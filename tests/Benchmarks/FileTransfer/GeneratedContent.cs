using System.Security.Cryptography;

namespace ZlhGrind.Benchmarks.FileTransfer;

/// <summary>
/// Bytes of a given length made on demand from one random 1 MiB block of its own (each block's first 8 bytes carry its index, so
/// no two blocks are alike): a 2 GiB upload needs neither a 2 GiB file nor 2 GiB of memory on the sending side.
/// </summary>
internal sealed class GeneratedContent(long length)
{
    private const int BlockBytes = 1024 * 1024;
    private readonly byte[] _pattern = RandomNumberGenerator.GetBytes(BlockBytes);
    private byte[]? _sha256;

    public long Length { get; } = length;

    /// <summary>The whole content's SHA-256, computed once by generating it.</summary>
    public byte[] Sha256()
    {
        if (_sha256 is null)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[BlockBytes];
            for (long offset = 0; offset < Length; offset += BlockBytes)
            {
                var count = (int)Math.Min(BlockBytes, Length - offset);
                Fill(offset, buffer.AsSpan(0, count));
                hash.AppendData(buffer, 0, count);
            }

            _sha256 = hash.GetHashAndReset();
        }

        return _sha256;
    }

    /// <summary>Writes the bytes at <paramref name="offset"/> into <paramref name="destination"/>.</summary>
    public void Fill(long offset, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            var block = offset / BlockBytes;
            var within = (int)(offset % BlockBytes);
            var count = Math.Min(destination.Length, BlockBytes - within);
            _pattern.AsSpan(within, count).CopyTo(destination);
            for (var i = within; i < Math.Min(8, within + count); i++)
            {
                destination[i - within] ^= (byte)(block >> (8 * i));
            }

            destination = destination[count..];
            offset += count;
        }
    }

    /// <summary>A read-only stream of bytes <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>.</summary>
    public Stream Open(long start, long count) => new ContentStream(this, start, count);

    private sealed class ContentStream(GeneratedContent content, long start, long count) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => count;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int size) => Read(buffer.AsSpan(offset, size));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, count - _position);
            content.Fill(start + _position, buffer[..n]);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int size, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, size)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int size) => throw new NotSupportedException();
    }
}
