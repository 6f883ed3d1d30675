namespace ZlhGrind.Agent.Files;

/// <summary>
/// The write side of a new file: every buffer reserves its bytes in the <see cref="DiskQuota"/> before it is written,
/// and more than <c>maxBytes</c> in one file is refused (<see cref="FileErrorCode.TooLarge"/>), counted as written
/// rather than as declared.
/// </summary>
internal sealed class QuotaStream(Stream inner, DiskQuota quota, long? maxBytes, string path) : Stream
{
    /// <summary>The bytes written (and reserved) so far.</summary>
    public long Written { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Account(buffer.Length);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Account(buffer.Length);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Account(int count)
    {
        if (maxBytes is { } max && Written + count > max)
        {
            throw new FileOperationException(FileErrorCode.TooLarge, $"'{Runtimes.RelativePath.Printable(path)}' is larger than {max} bytes");
        }

        quota.Reserve(count);
        Written += count;
    }
}
