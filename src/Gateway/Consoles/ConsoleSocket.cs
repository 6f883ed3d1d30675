using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>
/// One browser's console or terminal WebSocket. It watches the console grain (live chunks arrive on this observer), sends the
/// history from the client's offset, then live output in order: every byte is sent once, at its offset, and a gap
/// (chunks dropped on the way, an agent restart) is read back from the agent's history before going on. A game
/// console's socket sends the server's lifecycle state first and then on every change (<see cref="ConsoleStateFeed"/>);
/// a terminal session's socket also watches the terminal channel's grain, which holds its tickets and pushes a loss of access.
/// </summary>
internal sealed partial class ConsoleSocket(
    WebSocket socket,
    ConsoleSocketTarget target,
    IClusterClient client,
    ConsoleGrant grant,
    ConsoleStateFeed? states,
    ConsoleSocketOptions options,
    TimeProvider time,
    ILogger<ConsoleSocket> logger) : IConsoleViewer, IDisposable
{
    private readonly Channel<ConsoleChunk> _live = Channel.CreateBounded<ConsoleChunk>(
        new BoundedChannelOptions(options.QueuedChunks) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>A close frame's reason is at most 123 bytes (RFC 6455); reasons here are ASCII.</summary>
    private const int MaxCloseReasonLength = 120;

    private readonly IConsoleGrain _grain = target.Output;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _revoked = new();
    private readonly InputBudget _input = new(time, options.InputBytesPerSecond);
    private Actor _actor = grant.Actor;
    private DateTimeOffset _sessionExpiresAt = grant.SessionExpiresAt;
    private CancellationTokenSource _renewed = new();
    private string? _revokedReason;
    private long _next;

    public Task OutputAsync(ConsoleChunk chunk)
    {
        _live.Writer.TryWrite(chunk);
        return Task.CompletedTask;
    }

    public Task RevokedAsync(string reason)
    {
        lock (_gate)
        {
            _revokedReason ??= reason;
        }

        _revoked.Cancel();
        return Task.CompletedTask;
    }

    /// <summary>Runs the socket; a terminal's first frame names its <paramref name="session"/>, so a reconnect resumes that shell.</summary>
    public async Task RunAsync(long? since, string? session, CancellationToken aborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var self = client.CreateObjectReference<IConsoleViewer>(this);
        try
        {
            var lease = await WatchAsync(self);
            if (session is not null)
            {
                await SendAsync(w => Frame(w, "session", ("id", session)), stop.Token);
            }

            if (states is not null)
            {
                await SendStateAsync(await states.StartAsync(), stop.Token);
            }

            await CatchUpAsync(since, until: null, stop.Token);
            var receiving = ReceiveAsync(stop.Token);
            var sending = SendLiveAsync(self, lease, stop.Token);
            // A terminal has no lifecycle of its own to report: its state watch waits for the end.
            var watching = states is null ? Task.Delay(Timeout.InfiniteTimeSpan, time, stop.Token) : states.RunAsync(SendStateAsync, stop.Token);
            if (await Task.WhenAny(receiving, sending, watching) == sending && socket.State == WebSocketState.CloseSent)
            {
                // The server closed (expiry, lost access): the client's answering close ends the receive loop. Cancelling
                // it instead would abort the connection, and the client could lose the close frame and its reason.
                await Quietly(receiving.WaitAsync(options.CloseHandshakeTimeout, time, CancellationToken.None));
            }

            await stop.CancelAsync();
            await Task.WhenAll(Quietly(receiving), Quietly(sending), Quietly(watching));
        }
        catch (ContainerNotFoundException)
        {
            await LoseAccessAsync("Access to this console was lost.");
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            try
            {
                await _grain.UnwatchAsync(self);
                if (target.Access != target.Output)
                {
                    await target.Access.UnwatchAsync(self);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogUnwatchFailed(logger, ex);
            }

            client.DeleteObjectReference<IConsoleViewer>(self);
        }
    }

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

    /// <summary>Watches the output's grain and, for a terminal session, the channel's grain that pushes a loss of access.</summary>
    private async Task<TimeSpan> WatchAsync(IConsoleViewer self)
    {
        var actor = CurrentActor();
        var lease = await _grain.WatchAsync(actor, self);
        if (target.Access != target.Output)
        {
            lease = Min(lease, await target.Access.WatchAsync(actor, self));
        }

        return lease;
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

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or TimeoutException)
        {
        }
    }

    /// <summary>Sends history from <paramref name="from"/> (null: the default amount) until the agent's end or <paramref name="until"/>.</summary>
    private async Task CatchUpAsync(long? from, long? until, CancellationToken cancellationToken)
    {
        ConsoleHistory page;
        try
        {
            page = await _grain.ReadAsync(_actor, from, from is null ? options.DefaultHistoryBytes : ConsoleLimits.ChunkBytes);
        }
        catch (Exception ex) when (AgentUnavailable(ex))
        {
            await SendAsync(w => Frame(w, "error", ("message", AgentUnavailableMessage(ex))), cancellationToken);
            if (from is not null)
            {
                _next = Math.Max(_next, from.Value);
            }

            return;
        }

        while (true)
        {
            if (page.Truncated)
            {
                await SendAsync(w => Frame(w, "truncated", offset: page.Offset), cancellationToken);
            }

            if (page.Data.Length > 0)
            {
                await SendOutputAsync(page.Offset, page.Data, cancellationToken);
            }

            _next = page.Offset + page.Data.Length;
            if (page.Data.Length == 0 || _next >= page.End || (until is { } stopAt && _next >= stopAt))
            {
                return;
            }

            page = await _grain.ReadAsync(_actor, _next, ConsoleLimits.ChunkBytes);
        }
    }

    private async Task SendLiveAsync(IConsoleViewer self, TimeSpan lease, CancellationToken cancellationToken)
    {
        var renewEvery = lease / 3;
        var renewAt = time.GetUtcNow() + renewEvery;
        var reauthSent = false;
        while (true)
        {
            CancellationToken renewed;
            DateTimeOffset expiresAt;
            lock (_gate)
            {
                renewed = _renewed.Token;
                expiresAt = _sessionExpiresAt;
            }

            if (_revoked.IsCancellationRequested)
            {
                await LoseAccessAsync(RevokedReason());
                return;
            }

            var now = time.GetUtcNow();
            if (now >= expiresAt)
            {
                await CloseAsync(WebSocketCloseStatus.PolicyViolation, "The session expired; open the console again.");
                return;
            }

            if (!reauthSent && now >= expiresAt - options.ReauthLead)
            {
                reauthSent = true;
                await SendAsync(static w => Frame(w, "reauth"), cancellationToken);
            }

            if (now >= renewAt)
            {
                await WatchAsync(self);
                renewAt = now + renewEvery;
            }

            var wakeAt = Min(renewAt, reauthSent ? expiresAt : expiresAt - options.ReauthLead);
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, renewed, _revoked.Token);

            // A timer of the injected clock (not CancelAfter, which runs on the real one), so lease and session times move together.
            await using var timer = time.CreateTimer(static state => ((CancellationTokenSource)state!).Cancel(), wake, Max(wakeAt - now, TimeSpan.Zero), Timeout.InfiniteTimeSpan);
            try
            {
                var chunk = await _live.Reader.ReadAsync(wake.Token);
                await DeliverAsync(chunk, cancellationToken);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (renewed.IsCancellationRequested)
                {
                    reauthSent = false;
                }
            }
        }
    }

    private async Task DeliverAsync(ConsoleChunk chunk, CancellationToken cancellationToken)
    {
        var end = chunk.Offset + chunk.Data.Length;
        if (end <= _next)
        {
            return;
        }

        if (chunk.Offset > _next)
        {
            await CatchUpAsync(_next, chunk.Offset, cancellationToken);
        }

        if (chunk.Offset > _next)
        {
            // What lay between is gone from the agent's history too.
            await SendAsync(w => Frame(w, "truncated", offset: chunk.Offset), cancellationToken);
            _next = chunk.Offset;
        }

        if (end > _next)
        {
            var skip = (int)(_next - chunk.Offset);
            await SendOutputAsync(_next, chunk.Data.AsMemory(skip), cancellationToken);
            _next = end;
        }
    }

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

    /// <summary>Keystrokes, within the socket's byte rate (a flood is refused here, before it costs the cluster anything).</summary>
    private async Task<string?> SendInputAsync(string data)
    {
        var bytes = Encoding.UTF8.GetByteCount(data);
        // An oversize frame is the grain's to refuse (with its own message); it costs no budget.
        if (bytes <= ConsoleLimits.InputBytes && !_input.TryTake(bytes))
        {
            return $"Too much input: at most {options.InputBytesPerSecond} bytes per second.";
        }

        return await RefusalOf(_grain.SendInputAsync(CurrentActor(), data));
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

    private string RevokedReason()
    {
        lock (_gate)
        {
            return _revokedReason ?? "Access to this console was lost.";
        }
    }

    private Actor CurrentActor()
    {
        lock (_gate)
        {
            return _actor;
        }
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

    public void Dispose()
    {
        _sending.Dispose();
        _renewed.Dispose();
        _revoked.Dispose();
    }

    /// <summary>The agent is not connected, answered nonsense, or its reference is dead (it was killed; the next one registers within its refresh).</summary>
    private static bool AgentUnavailable(Exception ex) => ex is ContainerConflictException or TimeoutException or OrleansException;

    private static string AgentUnavailableMessage(Exception ex) =>
        ex is ContainerConflictException ? ex.Message : "The console's agent did not answer; try again shortly.";

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>A terminal socket's input bytes per second, a second's worth at once.</summary>
    private sealed class InputBudget(TimeProvider time, int bytesPerSecond)
    {
        private double _budget = bytesPerSecond;
        private long _at = time.GetTimestamp();

        public bool TryTake(int bytes)
        {
            var now = time.GetTimestamp();
            _budget = Math.Min(bytesPerSecond, _budget + (time.GetElapsedTime(_at, now).TotalSeconds * bytesPerSecond));
            _at = now;
            if (_budget < bytes)
            {
                return false;
            }

            _budget -= bytes;
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending a console watch failed; the grain's lease ends it")]
    private static partial void LogUnwatchFailed(ILogger logger, Exception exception);
}

/// <summary>What a socket serves: the grain its output and input go through, the grain holding its tickets and access, and which frames it takes.</summary>
internal sealed record ConsoleSocketTarget(IConsoleGrain Output, IConsoleGrain Access, bool IsTerminal);
