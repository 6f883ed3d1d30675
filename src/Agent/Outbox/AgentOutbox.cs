using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Outbox;

/// <summary>
/// The agent's outbox: events are numbered in publish order, kept until the grain acknowledges them,
/// and delivered in order — also after a reconnect. When it is full the oldest event is dropped and
/// counted, and the count travels in the next report so the grain knows what it missed.
/// </summary>
internal sealed partial class AgentOutbox : IAgentEvents
{
    private readonly Lock _gate = new();
    private readonly LinkedList<AgentEvent> _pending = new();
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly OutboxJournal? _journal;
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;
    private int _dropped;

    /// <summary>Creates the outbox; with a journal, events a previous agent left undelivered are queued first, renumbered for this instance.</summary>
    public AgentOutbox(IOptions<OutboxOptions> options, TimeProvider time, ILogger<AgentOutbox> logger, OutboxJournal? journal = null)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _journal = journal;
        if (journal is null)
        {
            return;
        }

        try
        {
            var leftover = journal.Load();
            foreach (var evt in leftover)
            {
                // Sequences are per agent process: the grain starts counting again for a new instance.
                Enqueue(evt with { Sequence = ++_sequence });
            }

            journal.Rewrite(_pending);
            if (leftover.Count > 0)
            {
                LogRecovered(_logger, leftover.Count, journal.Path);
            }
        }
        catch (IOException ex)
        {
            LogJournalFailed(_logger, ex, journal.Path);
        }
    }

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
            var evt = EventLimits.Bounded(create(++_sequence, _time.GetUtcNow()));
            if (Enqueue(evt))
            {
                Journal(j => j.Rewrite(_pending));
            }
            else
            {
                Journal(j => j.Append(evt));
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
            var removed = false;
            while (_pending.First is { } first && first.Value.Sequence <= appliedThrough)
            {
                _pending.RemoveFirst();
                removed = true;
            }

            _dropped = Math.Max(0, _dropped - droppedReported);
            if (removed)
            {
                Journal(j => j.Rewrite(_pending));
            }
        }
    }

    /// <summary>Adds an event, dropping the oldest when full; true when something was dropped. Call under the gate.</summary>
    private bool Enqueue(AgentEvent evt)
    {
        _pending.AddLast(evt);
        if (_pending.Count <= _options.Capacity)
        {
            return false;
        }

        var oldest = _pending.First!.Value;
        _pending.RemoveFirst();
        _dropped++;
        LogDropped(_logger, _options.Capacity, oldest.Sequence, oldest.GetType().Name);
        return true;
    }

    /// <summary>Keeps the journal in step; a disk problem costs durability, never the event. Call under the gate.</summary>
    private void Journal(Action<OutboxJournal> write)
    {
        if (_journal is null)
        {
            return;
        }

        try
        {
            write(_journal);
        }
        catch (IOException ex)
        {
            LogJournalFailed(_logger, ex, _journal.Path);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox full ({Capacity}); dropped event {Sequence} of type {EventType}")]
    private static partial void LogDropped(ILogger logger, int capacity, long sequence, string eventType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered {Count} undelivered events from {JournalFile}")]
    private static partial void LogRecovered(ILogger logger, int count, string journalFile);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot write the outbox journal {JournalFile}; events are kept in memory only")]
    private static partial void LogJournalFailed(ILogger logger, Exception exception, string journalFile);
}
