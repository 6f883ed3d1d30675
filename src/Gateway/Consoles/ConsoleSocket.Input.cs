using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>What the client sends: commands, terminal input and resizes, and fresh tickets.</summary>
internal sealed partial class ConsoleSocket
{
    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[options.MaxClientFrameBytes];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    await SendAsync(w => Frame(w, "error", ("message", $"A client frame is at most {options.MaxClientFrameBytes} bytes.")), cancellationToken);
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, "Frame too large.");
                    return;
                }

                result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                length += result.Count;
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            await HandleAsync(buffer.AsMemory(0, length), cancellationToken);
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        string? type = null;
        string? data = null;
        string? ticket = null;
        int? cols = null;
        int? rows = null;
        try
        {
            using var json = JsonDocument.Parse(frame);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                type = json.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                data = json.RootElement.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                ticket = json.RootElement.TryGetProperty("ticket", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                cols = json.RootElement.TryGetProperty("cols", out var c) && c.TryGetInt32(out var columns) ? columns : null;
                rows = json.RootElement.TryGetProperty("rows", out var r) && r.TryGetInt32(out var lines) ? lines : null;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
        }

        string? refusal = null;
        switch (type)
        {
            case "input" when target.IsTerminal && data is not null:
                refusal = await SendInputAsync(data);
                break;
            case "resize" when target.IsTerminal && cols is not null && rows is not null:
                refusal = await RefusalOf(_grain.ResizeAsync(CurrentActor(), cols.Value, rows.Value));
                break;
            case "command" when !target.IsTerminal && data is not null:
                try
                {
                    await _grain.SendCommandAsync(CurrentActor(), data);
                }
                catch (ConsoleCommandRefusedException ex)
                {
                    refusal = ex.Message;
                }
                catch (Exception ex) when (AgentUnavailable(ex))
                {
                    refusal = AgentUnavailableMessage(ex);
                }

                break;
            case "auth" when ticket is not null:
                try
                {
                    var fresh = await target.Access.RedeemTicketAsync(ticket);
                    lock (_gate)
                    {
                        _actor = fresh.Actor;
                        _sessionExpiresAt = fresh.SessionExpiresAt;
                        var old = _renewed;
                        _renewed = new CancellationTokenSource();
                        old.Cancel();
                        old.Dispose();
                    }
                }
                catch (ConsoleTicketRejectedException ex)
                {
                    refusal = ex.Message;
                }

                break;
            default:
                refusal = target.IsTerminal
                    ? "A frame is {\"type\":\"input\",\"data\":\"...\"}, {\"type\":\"resize\",\"cols\":C,\"rows\":R} or {\"type\":\"auth\",\"ticket\":\"...\"}."
                    : "A frame is {\"type\":\"command\",\"data\":\"...\"} or {\"type\":\"auth\",\"ticket\":\"...\"}.";
                break;
        }

        if (refusal is not null)
        {
            await SendAsync(w => Frame(w, "error", ("message", refusal)), cancellationToken);
        }
    }

    /// <summary>Keystrokes, within the socket's own byte rate (a flood is refused here, before it costs the cluster anything).</summary>
    private async Task<string?> SendInputAsync(string data)
    {
        var bytes = Encoding.UTF8.GetByteCount(data);
        // An oversize frame is the grain's to refuse (with its own message); it costs no budget.
        if (bytes <= ConsoleLimits.InputBytes && !_input.TryTake(bytes))
        {
            return $"Too much input: at most {options.InputBytesPerSecond} bytes per second.";
        }

        var refusal = await RefusalOf(_grain.SendInputAsync(CurrentActor(), data));
        if (refusal is null)
        {
            // Typing in the terminal is using the dev container, as an IDE request is: it keeps it from being culled as idle.
            target.InputSeen?.Invoke();
        }

        return refusal;
    }

    private static async Task<string?> RefusalOf(Task call)
    {
        try
        {
            await call;
            return null;
        }
        catch (Exception ex) when (ex is ConsoleCommandRefusedException or ContainerConflictException)
        {
            return ex.Message;
        }
    }
}
