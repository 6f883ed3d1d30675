using Orleans.Streams;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Gateway.Events;

/// <summary>
/// A gateway's subscription to one container's live events that can be taken afresh. A silo restart drops a stream
/// subscription without a word, so its owner (the events endpoint, the consoles' shared state subscription) compares
/// notes with the container grain every keep-alive and calls <see cref="RenewAsync"/> when the grain numbered events the
/// subscription did not bring. It holds one subscription at a time, and none once disposed (a subscription that
/// completes after the dispose is ended at once).
/// </summary>
internal sealed partial class ContainerEventSubscription(IAsyncStream<ContainerEvent> stream, Action<ContainerEvent> onEvent, ILogger logger, long id) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private StreamSubscriptionHandle<ContainerEvent>? _handle;
    private bool _disposed;

    /// <summary>True while a subscription is held (false before the first succeeded, after a failed renewal, after the dispose).</summary>
    public bool IsSubscribed
    {
        get
        {
            lock (_gate)
            {
                return _handle is not null;
            }
        }
    }

    /// <summary>Subscribes <c>onEvent</c>, which must not block; a failure is thrown (the caller decides whether to retry).</summary>
    public async Task SubscribeAsync()
    {
        var handle = await ContainerEventStream.SubscribeAsync(stream, onEvent);
        lock (_gate)
        {
            if (!_disposed && _handle is null)
            {
                _handle = handle;
                return;
            }
        }

        // Disposed meanwhile, or another subscribe won: one subscription, and none for nobody.
        await ContainerEventStream.UnsubscribeAsync(handle, logger, id);
    }

    /// <summary>Ends the current subscription and takes a fresh one; false (logged) when the cluster could not be reached — the next comparison tries again.</summary>
    public async Task<bool> RenewAsync()
    {
        StreamSubscriptionHandle<ContainerEvent>? old;
        lock (_gate)
        {
            old = _handle;
            _handle = null;
        }

        LogRenewing(logger, id);
        if (old is not null)
        {
            await ContainerEventStream.UnsubscribeAsync(old, logger, id);
        }

        try
        {
            await SubscribeAsync();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRenewFailed(logger, id, ex.Message);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        StreamSubscriptionHandle<ContainerEvent>? old;
        lock (_gate)
        {
            _disposed = true;
            old = _handle;
            _handle = null;
        }

        if (old is not null)
        {
            await ContainerEventStream.UnsubscribeAsync(old, logger, id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The events of {ContainerId} arrived incomplete (a silo restart drops a subscription); subscribing again")]
    private static partial void LogRenewing(ILogger logger, long containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing the events of {ContainerId} again failed; the next comparison retries: {Reason}")]
    private static partial void LogRenewFailed(ILogger logger, long containerId, string reason);
}
