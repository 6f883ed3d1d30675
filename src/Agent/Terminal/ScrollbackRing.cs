namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// The last <c>capacity</c> bytes of a terminal's output, addressed by absolute offset since the terminal began. Not
/// thread-safe: the session guards it.
/// </summary>
internal sealed class ScrollbackRing(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];

    /// <summary>The offset one past the last byte written.</summary>
    public long End { get; private set; }

    /// <summary>The offset of the oldest byte still held.</summary>
    public long Start => Math.Max(0, End - _buffer.Length);

    public void Append(ReadOnlySpan<byte> data)
    {
        // Only the tail can survive; older bytes of one long write are dropped at once.
        if (data.Length > _buffer.Length)
        {
            End += data.Length - _buffer.Length;
            data = data[^_buffer.Length..];
        }

        var position = (int)(End % _buffer.Length);
        var first = Math.Min(data.Length, _buffer.Length - position);
        data[..first].CopyTo(_buffer.AsSpan(position));
        data[first..].CopyTo(_buffer);
        End += data.Length;
    }

    /// <summary>A copy of the bytes from <paramref name="from"/> (at least <see cref="Start"/>) to <see cref="End"/>.</summary>
    public byte[] Copy(long from) => Copy(from, End - from);

    /// <summary>A copy of at most <paramref name="count"/> bytes from <paramref name="from"/> (at least <see cref="Start"/>).</summary>
    public byte[] Copy(long from, long count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(from, Start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, End);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var copy = new byte[Math.Min(count, End - from)];
        var position = (int)(from % _buffer.Length);
        var first = Math.Min(copy.Length, _buffer.Length - position);
        _buffer.AsSpan(position, first).CopyTo(copy);
        _buffer.AsSpan(0, copy.Length - first).CopyTo(copy.AsSpan(first));
        return copy;
    }
}
