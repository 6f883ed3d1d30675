using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// A read-only, seekable view of a file in a container whose bytes come over an agent-dialled transfer from the first
/// position read (a Range download starts there; a seek elsewhere opens another), or, when no transfer opens, through
/// the chunked <see cref="RemoteFileStream"/>. A file whose length or modification time differs from the stat the
/// response announced, or whose bytes end early, ends the response (a mixed file is never passed on).
/// </summary>
internal sealed class TransferFileStream(FileTransfers transfers, IFilesGrain grain, Actor actor, long containerId, string path, FileStat stat, CancellationToken aborted) : RemoteReadStream(stat.Length)
{
    private AgentLink? _link;
    private long _linkPosition = -1;
    private RemoteFileStream? _fallback;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Position >= stat.Length || buffer.Length == 0)
        {
            return 0;
        }

        if (_fallback is null && (_link is null || _linkPosition != Position))
        {
            await OpenAsync();
        }

        if (_fallback is not null)
        {
            _fallback.Position = Position;
            var fallbackRead = await _fallback.ReadAsync(buffer, cancellationToken);
            Position += fallbackRead;
            return fallbackRead;
        }

        var wanted = buffer[..(int)Math.Min(buffer.Length, stat.Length - Position)];
        var read = await _link!.ReadAsync(wanted, cancellationToken);
        if (read == 0)
        {
            throw new IOException("The file changed while it was being downloaded.");
        }

        Position += read;
        _linkPosition += read;
        return read;
    }

    private async Task OpenAsync()
    {
        await CloseLinkAsync();
        _link = await transfers.ConnectAsync(grain, actor, containerId, FileTransferKind.Read, path, Position, null, aborted);
        if (_link is null)
        {
            _fallback = new RemoteFileStream(grain, actor, path, stat);
            return;
        }

        var head = await _link.ReceiveReportAsync(aborted);
        if (head.Code is not null)
        {
            throw FileRefusals.Bounded(head.Code, head.Message);
        }

        if (head.Length != stat.Length || head.Modified != stat.Modified)
        {
            throw new IOException("The file changed while it was being downloaded.");
        }

        _linkPosition = Position;
    }

    private async ValueTask CloseLinkAsync()
    {
        if (_link is not null)
        {
            // A transfer not read to its end is cut off: the agent stops sending.
            _link.Abort();
            await _link.DisposeAsync();
            _link = null;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await CloseLinkAsync();
        if (_fallback is not null)
        {
            await _fallback.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _link?.Abort();
            _link?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _fallback?.Dispose();
        }

        base.Dispose(disposing);
    }
}
