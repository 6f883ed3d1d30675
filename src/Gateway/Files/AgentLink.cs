using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// An agent's transfer connection, paired with the browser request that waits for it: bytes go through a fixed
/// buffer in either direction (never a whole file), and the agent's text reports (checked and bounded here, the agent
/// being the tenant's) become the same answers as the chunked path's. Disposing it ends the agent's request.
/// </summary>
internal sealed class AgentLink(WebSocket socket) : IAsyncDisposable
{
    // Bytes per socket send of an upload: large enough that framing costs nothing, small enough to hold per transfer.
    private const int BufferBytes = 256 * 1024;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _ended;

    /// <summary>Completes when the browser's side is done with the connection.</summary>
    public Task Done => _done.Task;

    /// <summary>
    /// Sends <paramref name="body"/> as one binary message while listening for the agent's report, which may come
    /// first (a refusal before or while the bytes arrive: the rest is not sent). Past <paramref name="limit"/> it answers
    /// 413. Any failure (the browser dropped, a refusal) breaks the connection, so the agent commits nothing.
    /// </summary>
    public async Task<long> WriteAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var report = ReceiveReportAsync(cancellationToken);
        var send = SendBodyAsync(body, limit, stop.Token);
        if (await Task.WhenAny(report, send) == send && !send.IsCompletedSuccessfully)
        {
            socket.Abort();
            await Task.WhenAny(report);
            await send;
        }

        if (!send.IsCompleted)
        {
            // The agent answered before the body ended (quota, denylist, too large): stop reading the browser's body.
            await stop.CancelAsync();
            await Task.WhenAny(send);
        }

        var answer = await report;
        if (answer.Code is not null)
        {
            throw FileRefusals.Bounded(answer.Code, answer.Message);
        }

        return answer.Size is long size and >= 0 ? size : throw Broken();
    }

    /// <summary>The agent's next report (a text message of at most <see cref="FileTransferProtocol.ReportBytes"/>).</summary>
    public async Task<FileTransferReport> ReceiveReportAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[FileTransferProtocol.ReportBytes];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                throw Broken();
            }

            var received = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken);
            if (received.MessageType != WebSocketMessageType.Text)
            {
                // The agent ended without a report, or sent bytes where a report belongs.
                throw Broken();
            }

            filled += received.Count;
            if (received.EndOfMessage)
            {
                break;
            }
        }

        try
        {
            return JsonSerializer.Deserialize(buffer.AsSpan(0, filled), FileTransferJson.Default.FileTransferReport) ?? throw Broken();
        }
        catch (JsonException)
        {
            throw Broken();
        }
    }

    /// <summary>Reads the next bytes of a read's binary message; 0 at its end.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!_ended)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType != WebSocketMessageType.Binary)
            {
                throw new IOException("The container's agent ended the download early.");
            }

            _ended = received.EndOfMessage;
            if (received.Count > 0)
            {
                return received.Count;
            }
        }

        return 0;
    }

    /// <summary>Breaks the connection (the agent drops what it was writing).</summary>
    public void Abort() => socket.Abort();

    public ValueTask DisposeAsync()
    {
        _done.TrySetResult();
        return ValueTask.CompletedTask;
    }

    private async Task SendBodyAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferBytes), cancellationToken)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw new BadHttpRequestException("body over the route's limit", StatusCodes.Status413PayloadTooLarge);
                }

                await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: false, cancellationToken);
            }

            await socket.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static FileRefusedException Broken() => new("io_error", "The container's agent could not do this.");
}
