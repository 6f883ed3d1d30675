using System.Threading.Channels;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// A read-only stream fed piece by piece from the cluster: <see cref="OfferAsync"/> waits while <c>capacity</c> pieces
/// are queued (the sender waits for the disk), <see cref="Complete"/> ends it, and a fault completes it with an error
/// the reader sees instead of an end. <see cref="Started"/> completes at the first read, when the consumer has passed
/// its checks and is ready for bytes.
/// </summary>
internal sealed class PieceStream(int capacity) : ForwardReadStream
{
    private readonly Channel<byte[]> _pieces = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _current = [];
    private int _position;

    /// <summary>Completes when the consumer first asks for bytes.</summary>
    public Task Started => _started.Task;

    /// <summary>Queues a piece; false when the reader is gone (it failed or finished).</summary>
    public async Task<bool> OfferAsync(byte[] piece, CancellationToken cancellationToken)
    {
        try
        {
            await _pieces.Writer.WriteAsync(piece, cancellationToken);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>Ends the stream: the reader sees the end, or <paramref name="error"/>.</summary>
    public void Complete(Exception? error = null) => _pieces.Writer.TryComplete(error);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _started.TrySetResult();
        while (_position == _current.Length)
        {
            if (!await _pieces.Reader.WaitToReadAsync(cancellationToken))
            {
                return 0;
            }

            if (_pieces.Reader.TryRead(out var next))
            {
                _current = next;
                _position = 0;
            }
        }

        var count = Math.Min(buffer.Length, _current.Length - _position);
        _current.AsMemory(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }
}
