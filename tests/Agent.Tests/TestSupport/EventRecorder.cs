using ZlhGrind.Agent.Outbox;
using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>The test's observer of published events: numbers them like the outbox does and lets a test wait for one.</summary>
internal sealed class EventRecorder : IAgentEvents
{
    private readonly Lock _gate = new();
    private readonly List<AgentEvent> _events = [];
    private readonly List<(Func<AgentEvent, bool> Match, TaskCompletionSource<AgentEvent> Found)> _waiters = [];
    private readonly TimeProvider _time;

    public EventRecorder(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    public IReadOnlyList<AgentEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public void Publish(Func<long, DateTimeOffset, AgentEvent> create)
    {
        List<TaskCompletionSource<AgentEvent>> found = [];
        AgentEvent created;
        lock (_gate)
        {
            created = create(_events.Count + 1, _time.GetUtcNow());
            _events.Add(created);
            foreach (var waiter in _waiters.Where(waiter => waiter.Match(created)).ToList())
            {
                _waiters.Remove(waiter);
                found.Add(waiter.Found);
            }
        }

        foreach (var waiter in found)
        {
            waiter.TrySetResult(created);
        }
    }

    public IReadOnlyList<T> OfType<T>()
        where T : AgentEvent => Events.OfType<T>().ToList();

    /// <summary>Waits for the first event of <typeparamref name="T"/> matching <paramref name="match"/> published after <paramref name="after"/> events; bounded because real processes drive it.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool> match, int after = 0, TimeSpan? timeout = null)
        where T : AgentEvent
    {
        TaskCompletionSource<AgentEvent> found = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _events.Skip(after).OfType<T>().FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add((candidate => candidate is T typed && match(typed), found));
        }

        var limit = timeout ?? TimeSpan.FromSeconds(30);
        try
        {
            return (T)await found.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no matching {typeof(T).Name} within {limit}; events so far: {string.Join(" | ", Events)}");
        }
    }
}
