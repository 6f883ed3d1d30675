using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Agent.Consoles;

/// <summary>
/// Carries one <see cref="IConsoleChannel"/> to its console grain over the agent's own (outgoing) cluster connection:
/// answers history reads and input, and pushes live output only while the grain says someone watches. Written against
/// the channel alone, so a dev terminal session plugs in the same way.
/// </summary>
internal sealed partial class ConsoleRelay : IConsoleAgent, IAsyncDisposable
{
    private readonly IConsoleChannel _channel;
    private readonly IConsoleGrain _grain;
    private readonly ILogger _logger;
    private readonly Channel<ConsoleSlice> _outgoing;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Task _pusher;
    private IDisposable? _live;

    public ConsoleRelay(IConsoleChannel channel, IConsoleGrain grain, int queuedSlices, ILogger logger)
    {
        _channel = channel;
        _grain = grain;
        _logger = logger;

        // A full queue drops the oldest slices: the watching gateways see the gap and read it back as history.
        _outgoing = Channel.CreateBounded<ConsoleSlice>(new BoundedChannelOptions(queuedSlices) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _pusher = PushAsync(_stop.Token);
    }

    /// <summary>Registers <paramref name="self"/> (this relay's observer reference) with the grain and streams if someone watches.</summary>
    public async Task ConnectAsync(IConsoleAgent self)
    {
        var watched = await _grain.ConnectAgentAsync(self);
        await StreamAsync(watched);
    }

    public Task<ConsoleHistory> ReadAsync(long? since, int maxBytes)
    {
        maxBytes = Math.Clamp(maxBytes, 1, ConsoleLimits.ChunkBytes);

        // An offset past the end (a client that saw more of an earlier channel of the same name) reads from the end.
        since = since is { } asked ? Math.Min(asked, _channel.End) : null;
        var page = _channel.Read(since, maxBytes);
        return Task.FromResult(new ConsoleHistory(page.Slice.Offset, page.Slice.Data.ToArray(), page.Truncated, page.End));
    }

    public async Task<string?> WriteAsync(byte[] input)
    {
        try
        {
            await _channel.WriteAsync(input, _stop.Token);
            return null;
        }
        catch (ConsoleUnavailableException ex)
        {
            return ex.Message;
        }
    }

    public Task<string?> ResizeAsync(int columns, int rows)
    {
        if (_channel is not IResizableConsoleChannel terminal)
        {
            return Task.FromResult<string?>("This console has no size.");
        }

        try
        {
            terminal.Resize(columns, rows);
            return Task.FromResult<string?>(null);
        }
        catch (ConsoleUnavailableException ex)
        {
            return Task.FromResult<string?>(ex.Message);
        }
    }

    public Task StreamAsync(bool on)
    {
        lock (_gate)
        {
            if (on && _live is null)
            {
                var attachment = _channel.Attach(null, 0, slice => _outgoing.Writer.TryWrite(slice));
                _live = attachment.Subscription;

                // Where the output ends now (an empty chunk): viewers that missed output while nothing streamed (an agent
                // restart, a late registration) read it back as history at once instead of at the next output.
                _outgoing.Writer.TryWrite(attachment.History with { Data = ReadOnlyMemory<byte>.Empty });
            }
            else if (!on && _live is not null)
            {
                _live.Dispose();
                _live = null;
            }
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await StreamAsync(false);
        _outgoing.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _pusher;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task PushAsync(CancellationToken stop)
    {
        var batch = new byte[ConsoleLimits.ChunkBytes];
        ConsoleSlice? carried = null;
        while (true)
        {
            ConsoleSlice first;
            if (carried is { } held)
            {
                first = held;
                carried = null;
            }
            else if (!await _outgoing.Reader.WaitToReadAsync(stop))
            {
                return;
            }
            else if (!_outgoing.Reader.TryRead(out first))
            {
                continue;
            }

            if (first.Data.Length >= batch.Length || first.Data.IsEmpty)
            {
                // An empty slice is pushed too: it says where the output ends.
                await PushSliceAsync(first);
                continue;
            }

            // A busy server writes in small pieces and the tail hands each on as it sees it: the slices queued meanwhile
            // that follow on are pushed together, one grain call per 64 KiB instead of one per piece (one call per piece
            // kept a flood at a few MB/s in ./zlh bench --only console, overflowed the queue, and the viewers then read
            // the dropped part back page by page). A slice that does not follow on (a gap left by a drop) starts the next batch.
            first.Data.CopyTo(batch);
            var length = first.Data.Length;
            while (length < batch.Length && _outgoing.Reader.TryRead(out var next))
            {
                if (next.Offset != first.Offset + length || next.Data.IsEmpty || length + next.Data.Length > batch.Length)
                {
                    carried = next;
                    break;
                }

                next.Data.CopyTo(batch.AsMemory(length));
                length += next.Data.Length;
            }

            await PushSliceAsync(new ConsoleSlice(first.Offset, batch.AsMemory(0, length)));
        }
    }

    /// <summary>Pushes one slice in chunks of at most 64 KiB; a failed push is left to the viewers' catch-up.</summary>
    private async Task PushSliceAsync(ConsoleSlice slice)
    {
        for (var at = 0; at == 0 || at < slice.Data.Length; at += ConsoleLimits.ChunkBytes)
        {
            var part = slice.Data.Slice(at, Math.Min(ConsoleLimits.ChunkBytes, slice.Data.Length - at));
            try
            {
                await _grain.PushOutputAsync(new ConsoleChunk(slice.Offset + at, part.ToArray()));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Lost output is read back as history by whoever watches; the push goes on with the next slice.
                LogPushFailed(_logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing console output to the cluster failed")]
    private static partial void LogPushFailed(ILogger logger, Exception exception);
}
