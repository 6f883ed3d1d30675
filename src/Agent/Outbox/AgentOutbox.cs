using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Workloads;
using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Outbox;

/// <summary>
/// The agent's outbox: events are numbered in publish order, kept until the grain acknowledges them,
/// and delivered in order — also after a reconnect. When it is full the oldest event is dropped and
/// counted, and the count travels in the next report so the grain knows what it missed.
/// </summary>
internal sealed class AgentOutbox(IOptions<OutboxOptions> options, TimeProvider time, ILogger<AgentOutbox> logger) : IAgentEvents
{
    private readonly Lock _gate = new();
    private readonly LinkedList<AgentEvent> _pending = new();
    private readonly OutboxOptions _options = options.Value;
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;
    private int _dropped;

    /// <summary>Events waiting for delivery.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Events dropped for lack of room and not yet reported.</summary>
    public int Dropped
    {
        get
        {
            lock (_gate)
            {
                return _dropped;
            }
        }
    }

    public void Publish(Func<long, DateTimeOffset, AgentEvent> create)
    {
        TaskCompletionSource published;
        lock (_gate)
        {
            var evt = create(++_sequence, time.GetUtcNow());
            _pending.AddLast(evt);
            if (_pending.Count > _options.Capacity)
            {
                var oldest = _pending.First!.Value;
                _pending.RemoveFirst();
                _dropped++;
                logger.LogWarning("Outbox full ({Capacity}); dropped event {Sequence} of type {EventType}", _options.Capacity, oldest.Sequence, oldest.GetType().Name);
            }

            published = _published;
            _published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        published.TrySetResult();
    }

    /// <summary>Completes at the next publish (or at once when events are waiting).</summary>
    public Task WaitForEventsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _pending.Count > 0 || _dropped > 0 ? Task.CompletedTask : _published.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The oldest waiting events, as one report; null when there is nothing to say.</summary>
    public AgentReport? NextReport(Guid instanceId)
    {
        lock (_gate)
        {
            if (_pending.Count == 0 && _dropped == 0)
            {
                return null;
            }

            return new AgentReport(instanceId, [.. _pending.Take(_options.BatchSize)], _dropped);
        }
    }

    /// <summary>Forgets what the grain has applied, and the drop count it has been told.</summary>
    public void Acknowledge(long appliedThrough, int droppedReported)
    {
        lock (_gate)
        {
            while (_pending.First is { } first && first.Value.Sequence <= appliedThrough)
            {
                _pending.RemoveFirst();
            }

            _dropped = Math.Max(0, _dropped - droppedReported);
        }
    }
}
