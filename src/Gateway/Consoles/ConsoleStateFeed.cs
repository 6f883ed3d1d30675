using System.Threading.Channels;
using Orleans.Streams;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Events;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>
/// The server's lifecycle state for a console socket: the state on connect, then each change, taken from the
/// container's live events through the same subscription path as <c>GET /api/servers/{id}/events</c>. As there, every
/// keep-alive interval the feed compares notes with the grain: a change the subscription did not bring (a silo restart
/// drops it) is sent from the status, and the feed subscribes again.
/// </summary>
internal sealed partial class ConsoleStateFeed(IClusterClient client, IContainerGrain container, long id, Actor actor, TimeSpan checkInterval, int queued, TimeProvider time, ILogger logger)
{
    // A null item is the check tick.
    private readonly Channel<ContainerEvent?> _events = Channel.CreateBounded<ContainerEvent?>(
        new BoundedChannelOptions(queued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private StreamSubscriptionHandle<ContainerEvent>? _subscription;
    private long _seen;
    private string? _sent;

    /// <summary>Subscribes, then reads the state (so no change falls between the two) and returns it to send first.</summary>
    public async Task<string> StartAsync()
    {
        var stream = ContainerEventStream.Of(client, id);
        _subscription = await ContainerEventStream.SubscribeAsync(stream, item => _events.Writer.TryWrite(item));
        var replay = await ReplayAsync(null);
        _seen = replay.LastSequence;
        _sent = replay.Status.State;
        return _sent;
    }

    /// <summary>Hands every later change of state to <paramref name="send"/>, once each and in order, until cancelled.</summary>
    public async Task RunAsync(Func<string, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        using var tick = time.CreateTimer(static state => ((ChannelWriter<ContainerEvent?>)state!).TryWrite(null), _events.Writer, checkInterval, checkInterval);
        try
        {
            await foreach (var item in _events.Reader.ReadAllAsync(cancellationToken))
            {
                if (item is null)
                {
                    await CompareNotesAsync(send, cancellationToken);
                }
                else if (item.Sequence > _seen)
                {
                    _seen = item.Sequence;
                    await SendIfChangedAsync(item.Status.State, send, cancellationToken);
                }
            }
        }
        finally
        {
            if (_subscription is { } subscription)
            {
                await ContainerEventStream.UnsubscribeAsync(subscription, logger, id);
            }
        }
    }

    private async Task CompareNotesAsync(Func<string, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        EventReplay replay;
        try
        {
            replay = await ReplayAsync(_seen);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ContainerNotFoundException)
        {
            // The cluster may be restarting: the next tick asks again.
            LogCompareFailed(logger, id, ex.Message);
            return;
        }

        if (replay.LastSequence <= _seen && _subscription is not null)
        {
            return;
        }

        // The subscription missed what the grain numbered since (or is gone): the status says where things are now.
        _seen = Math.Max(_seen, replay.LastSequence);
        await SendIfChangedAsync(replay.Status.State, send, cancellationToken);
        if (_subscription is { } old)
        {
            await ContainerEventStream.UnsubscribeAsync(old, logger, id);
        }

        try
        {
            _subscription = await ContainerEventStream.SubscribeAsync(ContainerEventStream.Of(client, id), item => _events.Writer.TryWrite(item));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _subscription = null;
            LogCompareFailed(logger, id, ex.Message);
        }
    }

    private async Task SendIfChangedAsync(string state, Func<string, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        if (!string.Equals(state, _sent, StringComparison.Ordinal))
        {
            _sent = state;
            await send(state, cancellationToken);
        }
    }

    private async Task<EventReplay> ReplayAsync(long? after)
    {
        using (ContainerGrains.ScopeFor(actor))
        {
            return await container.GetEventsSinceAsync(actor, after);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console of {ContainerId} could not compare its state with the container; the next check retries: {Reason}")]
    private static partial void LogCompareFailed(ILogger logger, long containerId, string reason);
}
