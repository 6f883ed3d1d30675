using System.Threading.Channels;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Events;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>
/// One subscription to a container's live events per gateway, shared by every console socket of that container: the
/// first socket subscribes, the last one to leave unsubscribes. A thousand sockets subscribing one stream each queued
/// at its pub/sub rendezvous grain past Orleans' response timeout (README: Performance, "Game console"). As the events
/// endpoint does, the shared subscription compares notes with the container grain every keep-alive interval: a change
/// the subscription did not bring (a silo restart drops it) is handed on from the status, and it subscribes again
/// through the same <see cref="ContainerEventSubscription"/> the events endpoint renews.
/// </summary>
internal sealed partial class ConsoleStateHub(IClusterClient client, IOptions<EventsOptions> options, TimeProvider time, ILogger<ConsoleStateHub> logger)
{
    private readonly IClusterClient _client = client;
    private readonly EventsOptions _options = options.Value;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly Dictionary<long, Shared> _shared = [];
    private readonly Lock _gate = new();

    /// <summary>The sockets sharing container <paramref name="id"/>'s subscription on this gateway (0: not subscribed).</summary>
    internal int Listeners(long id)
    {
        lock (_gate)
        {
            return _shared.TryGetValue(id, out var shared) ? shared.Count : 0;
        }
    }

    /// <summary>Joins the container's shared subscription (subscribing it if this is the first listener); every change from then on reaches the listener.</summary>
    public async Task<Listener> JoinAsync(long id, IContainerGrain container, Actor actor)
    {
        Shared shared;
        var listener = new Listener(this, actor, _options.BufferSize);
        lock (_gate)
        {
            if (!_shared.TryGetValue(id, out shared!))
            {
                shared = new Shared(this, id, container);
                _shared[id] = shared;
            }

            listener.Joined(shared);
        }

        await shared.Ready;
        return listener;
    }

    private async Task LeaveAsync(Shared shared, Listener listener)
    {
        bool last;
        lock (_gate)
        {
            last = shared.Remove(listener);
            if (last)
            {
                _shared.Remove(shared.Id);
            }
        }

        if (last)
        {
            await shared.DisposeAsync();
        }
    }

    /// <summary>A change of state as the shared subscription saw it: the container's event number and the state after it.</summary>
    internal readonly record struct StateNote(long Sequence, string State);

    /// <summary>One socket's place in a shared subscription: the changes in order (the oldest dropped past the buffer).</summary>
    internal sealed class Listener(ConsoleStateHub hub, Actor actor, int queued)
    {
        private readonly Channel<StateNote> _notes = Channel.CreateBounded<StateNote>(
            new BoundedChannelOptions(queued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        private Shared? _shared;
        private int _left;

        public Actor Actor => actor;

        public ChannelReader<StateNote> Notes => _notes.Reader;

        public void Joined(Shared shared)
        {
            _shared = shared;
            shared.Add(this);
        }

        public void Post(StateNote note) => _notes.Writer.TryWrite(note);

        /// <summary>The listener's own baseline read: the shared subscription needs no change before it.</summary>
        public void Saw(long sequence) => _shared?.Saw(sequence);

        /// <summary>Leaves once; the last listener of a container ends its subscription.</summary>
        public Task LeaveAsync() =>
            Interlocked.Exchange(ref _left, 1) == 0 && _shared is { } shared ? hub.LeaveAsync(shared, this) : Task.CompletedTask;
    }

    /// <summary>The subscription of one container, its check timer and its listeners.</summary>
    internal sealed class Shared : IAsyncDisposable
    {
        private readonly ConsoleStateHub _hub;
        private readonly IContainerGrain _container;
        private readonly Lock _gate = new();
        private readonly ITimer _tick;
        private readonly ContainerEventSubscription _subscription;
        private Listener[] _listeners = [];
        private long _seen;
        private int _comparing;

        public Shared(ConsoleStateHub hub, long id, IContainerGrain container)
        {
            _hub = hub;
            _container = container;
            Id = id;
            _subscription = new ContainerEventSubscription(ContainerEventStream.Of(hub._client, id), OnEvent, hub._logger, id);
            Ready = SubscribeAsync();
            var interval = hub._options.HeartbeatInterval;
            _tick = hub._time.CreateTimer(static state => ((Shared)state!).Tick(), this, interval, interval);
        }

        public long Id { get; }

        /// <summary>Done once the first subscription was tried (a failure is logged; the next check subscribes again).</summary>
        public Task Ready { get; }

        public int Count => Volatile.Read(ref _listeners).Length;

        public void Add(Listener listener)
        {
            lock (_gate)
            {
                _listeners = [.. _listeners, listener];
            }
        }

        /// <summary>Removes <paramref name="listener"/>; true when it was the last.</summary>
        public bool Remove(Listener listener)
        {
            lock (_gate)
            {
                _listeners = Array.FindAll(_listeners, l => l != listener);
                return _listeners.Length == 0;
            }
        }

        public void Saw(long sequence)
        {
            lock (_gate)
            {
                _seen = Math.Max(_seen, sequence);
            }
        }

        /// <summary>Ends the check timer and the subscription (the last listener left).</summary>
        public async ValueTask DisposeAsync()
        {
            await _tick.DisposeAsync();
            await Ready;
            await _subscription.DisposeAsync();
        }

        private void OnEvent(ContainerEvent item)
        {
            Listener[] listeners;
            lock (_gate)
            {
                _seen = Math.Max(_seen, item.Sequence);
                listeners = _listeners;
            }

            // Each listener skips what its own baseline already holds, so a note seen twice is harmless.
            var note = new StateNote(item.Sequence, item.Status.State);
            foreach (var listener in listeners)
            {
                listener.Post(note);
            }
        }

        private async Task SubscribeAsync()
        {
            try
            {
                await _subscription.SubscribeAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSubscribeFailed(_hub._logger, Id, ex.Message);
            }
        }

        private void Tick()
        {
            if (Interlocked.Exchange(ref _comparing, 1) == 0)
            {
                _ = CompareNotesAsync();
            }
        }

        private async Task CompareNotesAsync()
        {
            try
            {
                Listener[] listeners;
                long seen;
                bool subscribed;
                lock (_gate)
                {
                    (listeners, seen) = (_listeners, _seen);
                }

                subscribed = _subscription.IsSubscribed;

                if (listeners.Length == 0)
                {
                    return;
                }

                EventReplay replay;
                try
                {
                    // Any listener may ask: every one of them was authorized for this container when it joined, and a
                    // listener that loses access is closed by the console's revocation.
                    var actor = listeners[0].Actor;
                    using (ContainerGrains.ScopeFor(actor))
                    {
                        replay = await _container.GetEventsSinceAsync(actor, seen);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The cluster may be restarting (or the container is gone, which its revocation says): the next tick asks again.
                    LogCompareFailed(_hub._logger, Id, ex.Message);
                    return;
                }

                if (replay.LastSequence <= seen && subscribed)
                {
                    return;
                }

                // The subscription missed what the grain numbered since (or is gone): the status says where things are now.
                lock (_gate)
                {
                    _seen = Math.Max(_seen, replay.LastSequence);
                    listeners = _listeners;
                }

                var note = new StateNote(replay.LastSequence, replay.Status.State);
                foreach (var listener in listeners)
                {
                    listener.Post(note);
                }

                await _subscription.RenewAsync();
            }
            finally
            {
                Volatile.Write(ref _comparing, 0);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The consoles of {ContainerId} could not compare their state with the container; the next check retries: {Reason}")]
    private static partial void LogCompareFailed(ILogger logger, long containerId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The consoles of {ContainerId} could not subscribe to its events; the next check retries: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, long containerId, string reason);
}
