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
    ConsoleViewerHub viewers,
    ConsoleGrant grant,
    ConsoleStateFeed? states,
    ConsoleSocketOptions options,
    TimeProvider time) : IConsoleViewer, IDisposable
{
    private readonly Channel<ConsoleChunk> _live = Channel.CreateBounded<ConsoleChunk>(
        new BoundedChannelOptions(options.QueuedChunks) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>A close frame's reason is at most 123 bytes (RFC 6455); reasons here are ASCII.</summary>
    private const int MaxCloseReasonLength = 120;

    private readonly IConsoleGrain _grain = target.Output;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _revoked = new();
    // Per socket, a second's worth at once: typing and pastes, not a flood that costs the cluster (README: "Console").
    private readonly TokenBucket _input = new(time, options.InputBytesPerSecond, options.InputBytesPerSecond, TimeSpan.FromSeconds(1));
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
        var output = viewers.Join(_grain, this);
        var access = target.Access != target.Output ? viewers.Join(target.Access, this) : null;
        try
        {
            var lease = await WatchAsync(output, access);
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
            var sending = SendLiveAsync(output, access, lease, stop.Token);
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
            await viewers.LeaveAsync(output, this);
            if (access is not null)
            {
                await viewers.LeaveAsync(access, this);
            }

            if (states is not null)
            {
                await states.DisposeAsync();
            }
        }
    }

    /// <summary>Watches (with this socket's actor) the output's grain and, for a terminal session, the channel's grain that pushes a loss of access, through this gateway's shared viewers.</summary>
    private async Task<TimeSpan> WatchAsync(ConsoleViewerHub.Shared output, ConsoleViewerHub.Shared? access)
    {
        var actor = CurrentActor();
        var lease = await _grain.WatchAsync(actor, output.Reference);
        if (access is not null)
        {
            lease = Min(lease, await target.Access.WatchAsync(actor, access.Reference));
        }

        return lease;
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

    private async Task SendLiveAsync(ConsoleViewerHub.Shared output, ConsoleViewerHub.Shared? access, TimeSpan lease, CancellationToken cancellationToken)
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
                await WatchAsync(output, access);
                renewAt = now + renewEvery;
            }

            var wakeAt = Min(renewAt, reauthSent ? expiresAt : expiresAt - options.ReauthLead);
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, renewed, _revoked.Token);

            // A timer of the injected clock (not CancelAfter, which runs on the real one), so lease and session times move
            // together. The clock is read again around the timer's creation: sending the reauth frame took time, and a
            // clock that moved past wakeAt meanwhile (a test's fake clock jumps) would leave a timer due only after it.
            await using var timer = time.CreateTimer(static state => ((CancellationTokenSource)state!).Cancel(), wake, Max(wakeAt - time.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan);
            if (time.GetUtcNow() >= wakeAt)
            {
                await wake.CancelAsync();
            }

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
}

/// <summary>
/// What a socket serves: the grain its output and input go through, the grain holding its tickets and access, which
/// frames it takes, and whom to tell of accepted terminal input (a dev container's idle clock, issue 18).
/// </summary>
internal sealed record ConsoleSocketTarget(IConsoleGrain Output, IConsoleGrain Access, bool IsTerminal, Action? InputSeen = null);
