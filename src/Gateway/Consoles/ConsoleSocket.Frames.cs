using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>The frames the socket sends, one at a time, and its close.</summary>
internal sealed partial class ConsoleSocket
{
    /// <summary>An error frame and a close, for a socket that never got to run; the client's answering close is awaited as in <see cref="RunAsync"/>.</summary>
    public static async Task RefuseAsync(WebSocket socket, string reason, ConsoleSocketOptions options, TimeProvider time)
    {
        var frame = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["type"] = "error", ["message"] = reason });
        await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason.Length > MaxCloseReasonLength ? reason[..MaxCloseReasonLength] : reason, CancellationToken.None);
        try
        {
            await DrainUntilCloseAsync(socket).WaitAsync(options.CloseHandshakeTimeout, time, CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException)
        {
        }
    }

    private static async Task DrainUntilCloseAsync(WebSocket socket)
    {
        var buffer = new byte[MaxCloseReasonLength];
        while ((await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None)).MessageType != WebSocketMessageType.Close)
        {
        }
    }

    /// <summary>Tells the client why and closes: access was revoked or the container is gone.</summary>
    private async Task LoseAccessAsync(string reason)
    {
        try
        {
            await SendAsync(w => Frame(w, "error", ("message", reason)), CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }

        await CloseAsync(WebSocketCloseStatus.PolicyViolation, reason.Length > MaxCloseReasonLength ? reason[..MaxCloseReasonLength] : reason);
    }

    private Task SendStateAsync(string state, CancellationToken cancellationToken) =>
        SendAsync(w => Frame(w, "state", ("state", state)), cancellationToken);

    private Task SendOutputAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // Invalid UTF-8 (a multi-byte character cut by a chunk, or binary output) becomes U+FFFD; offsets stay byte
        // offsets, so the frame also says where its bytes end: the client resumes from there, whatever the text's length.
        var text = Encoding.UTF8.GetString(data.Span);
        var end = offset + data.Length;
        return SendAsync(
            w =>
            {
                Frame(w, "output", ("data", text), offset, leaveOpen: true);
                w.WriteNumber("end", end);
                w.WriteEndObject();
            },
            cancellationToken);
    }

    private static void Frame(Utf8JsonWriter writer, string type, (string Name, string Value)? text = null, long? offset = null, bool leaveOpen = false)
    {
        writer.WriteStartObject();
        writer.WriteString("type", type);
        if (offset is { } o)
        {
            writer.WriteNumber("offset", o);
        }

        if (text is { } t)
        {
            writer.WriteString(t.Name, t.Value);
        }

        if (!leaveOpen)
        {
            writer.WriteEndObject();
        }
    }

    private async Task SendAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        await _sending.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _sending.WaitAsync();
            try
            {
                await socket.CloseOutputAsync(status, reason, CancellationToken.None);
            }
            finally
            {
                _sending.Release();
            }
        }
    }
}
