using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// The agent-dialled transfer path (README: "Files"): on its grain's order the agent dials the gateway's transfer
/// socket with the order's single-use ticket (its only credential there; the agent's own never goes to a gateway) and
/// moves the bytes over that one connection through the same confined root as the chunked calls: a read sends a report
/// (length, modification time) then the bytes from the offset; a write or upload chunk takes the bytes as one message
/// into a temporary file and answers with a report (size or refusal). A connection lost mid-write commits nothing.
/// </summary>
internal sealed partial class FilesRelay
{
    // Bytes per socket send on a read: large enough that framing costs nothing, small enough to hold per transfer.
    private const int TransferBufferBytes = 256 * 1024;

    public Task DialTransferAsync(FileTransferOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);

        // Answered at once: the transfer runs as long as the bytes take, the grain only needed it started.
        _ = Task.Run(() => RunTransferAsync(order));
        return Task.CompletedTask;
    }

    /// <summary>Raised when a transfer ended, whatever its outcome (tests wait on it).</summary>
    internal event Action<string>? TransferEnded;

    private async Task RunTransferAsync(FileTransferOrder order)
    {
        var id = FileTransferProtocol.TransferId(order.Ticket);
        try
        {
            if (!Uri.TryCreate(order.Url, UriKind.Absolute, out var url) || url.Scheme is not ("ws" or "wss"))
            {
                throw new WebSocketException("the transfer URL is not a ws(s) URL");
            }

            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader(FileTransferProtocol.TicketHeader, order.Ticket);
            socket.Options.SetRequestHeader(FileTransferProtocol.KindHeader, order.Kind.ToString());
            socket.Options.SetRequestHeader(FileTransferProtocol.TargetHeader, Uri.EscapeDataString(order.Target));
            using (var connecting = new CancellationTokenSource(_options.TransferConnectTimeout, _time))
            {
                await socket.ConnectAsync(url, connecting.Token);
            }

            if (order.Kind == FileTransferKind.Read)
            {
                await SendFileAsync(socket, order);
            }
            else
            {
                await ReceiveWriteAsync(socket, order);
            }

            await CloseAsync(socket);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or UnauthorizedAccessException or ArgumentException or FileOperationException)
        {
            LogTransferFailed(_logger, id, order.Kind, ex);
        }
        finally
        {
            TransferEnded?.Invoke(id);
        }
    }

    private async Task SendFileAsync(ClientWebSocket socket, FileTransferOrder order)
    {
        FileContent content;
        try
        {
            content = Root().OpenRead(order.Path);
        }
        catch (FileOperationException ex)
        {
            await SendReportAsync(socket, new FileTransferReport(Code: ex.Code, Message: ex.Message));
            return;
        }

        await using var stream = (FileStream)content.Stream;
        await SendReportAsync(socket, new FileTransferReport(Length: content.Length, Modified: File.GetLastWriteTimeUtc(stream.SafeFileHandle)));
        var remaining = Math.Max(0, content.Length - order.Offset);
        stream.Seek(Math.Min(order.Offset, content.Length), SeekOrigin.Begin);
        var buffer = ArrayPool<byte>.Shared.Rent(TransferBufferBytes);
        try
        {
            // At most the length reported: a file that grows meanwhile is not sent past it (one that shrinks ends short,
            // which the gateway treats as a changed file).
            int read;
            while (remaining > 0 && (read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)))) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: false, CancellationToken.None);
                remaining -= read;
            }

            await socket.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task ReceiveWriteAsync(ClientWebSocket socket, FileTransferOrder order)
    {
        FileTransferReport report;
        try
        {
            // The body is one binary message; its end is the end of the file. The socket failing mid-message (the
            // browser or the gateway went away) fails the copy, so the temporary file is removed and nothing commits.
            await using var body = new SocketMessageStream(socket);
            if (order.Kind == FileTransferKind.Write)
            {
                report = new FileTransferReport(Size: await Root().WriteAsync(order.Path, body, CancellationToken.None));
            }
            else
            {
                await Uploads().PutChunkAsync(order.UploadId!, order.ChunkIndex, body, order.Sha256!, CancellationToken.None);
                report = new FileTransferReport(Size: 0);
            }
        }
        catch (FileOperationException ex)
        {
            report = new FileTransferReport(Code: ex.Code, Message: ex.Message);
        }

        await SendReportAsync(socket, report);
    }

    private static async Task SendReportAsync(ClientWebSocket socket, FileTransferReport report)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(report, FileTransferJson.Default.FileTransferReport);
        await socket.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
    }

    private async Task CloseAsync(ClientWebSocket socket)
    {
        // The gateway ends the exchange once it has what it needs; a close it never answers is not waited for long.
        using var closing = new CancellationTokenSource(_options.TransferConnectTimeout, _time);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closing.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Already closed by the gateway: the transfer itself is done.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "File transfer {TransferId} ({Kind}) failed")]
    private static partial void LogTransferFailed(ILogger logger, string transferId, FileTransferKind kind, Exception exception);
}
