using ZlhGrind.Agent.Outbox;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>An outbox that keeps every event and lets a test wait for the next one that matches.</summary>
internal sealed class RecordingEvents(TimeProvider time) : IAgentEvents
{
    // Real processes on a loaded 2-core CI machine: a start seen in 5 s locally took over 15 s there.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private readonly List<AgentEvent> _events = [];
    private readonly List<(Func<AgentEvent, bool> Match, int After, TaskCompletionSource<AgentEvent> Done)> _waiters = [];
    private long _sequence;

    public IReadOnlyList<AgentEvent> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<GameCrashed> Crashes => [.. All.OfType<GameCrashed>()];

    public IReadOnlyList<GameServerState> States => [.. All.OfType<GameStateChanged>().Select(e => e.State)];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    public void Publish(Func<long, DateTimeOffset, AgentEvent> create)
    {
        List<TaskCompletionSource<AgentEvent>> done = [];
        AgentEvent evt;
        lock (_gate)
        {
            evt = create(++_sequence, time.GetUtcNow());
            _events.Add(evt);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(evt))
                {
                    done.Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var d in done)
        {
            d.TrySetResult(evt);
        }
    }

    /// <summary>The first event published after the <paramref name="after"/>-th (0-based count) that matches.</summary>
    public Task<AgentEvent> WaitAsync(Func<AgentEvent, bool> match, int after)
    {
        lock (_gate)
        {
            for (var i = after; i < _events.Count; i++)
            {
                if (match(_events[i]))
                {
                    return Task.FromResult(_events[i]);
                }
            }

            var tcs = new TaskCompletionSource<AgentEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, after, tcs));
            return tcs.Task.WaitAsync(Patience);
        }
    }

    /// <summary>Waits for the n-th (1-based) crash.</summary>
    public async Task<CrashRecord> CrashAsync(int n)
    {
        while (true)
        {
            // One snapshot for both the check and the wait, so an event landing in between is not skipped.
            var seen = All;
            var crashes = seen.OfType<GameCrashed>().ToList();
            if (crashes.Count >= n)
            {
                return crashes[n - 1].Crash;
            }

            await WaitAsync(e => e is GameCrashed, seen.Count);
        }
    }

    /// <summary>Waits until the game state has changed to <paramref name="state"/> at least <paramref name="times"/> times.</summary>
    public async Task StateAsync(GameServerState state, int times = 1)
    {
        while (true)
        {
            var seen = All;
            if (seen.OfType<GameStateChanged>().Count(e => e.State == state) >= times)
            {
                return;
            }

            await WaitAsync(e => e is GameStateChanged c && c.State == state, seen.Count);
        }
    }
}
