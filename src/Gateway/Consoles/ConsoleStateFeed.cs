using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>
/// The server's lifecycle state for one console socket: the state on connect, then each change, from the gateway's one
/// shared subscription to the container's live events (<see cref="ConsoleStateHub"/>, which also compares notes with the
/// grain so a change a silo restart dropped still arrives).
/// </summary>
internal sealed class ConsoleStateFeed(ConsoleStateHub hub, IContainerGrain container, long id, Actor actor) : IAsyncDisposable
{
    private ConsoleStateHub.Listener? _listener;
    private long _seen;
    private string? _sent;

    /// <summary>Joins the shared subscription, then reads the state with this socket's actor (so no change falls between the two) and returns it to send first.</summary>
    public async Task<string> StartAsync()
    {
        _listener = await hub.JoinAsync(id, container, actor);
        EventReplay replay;
        using (ContainerGrains.ScopeFor(actor))
        {
            replay = await container.GetEventsSinceAsync(actor, null);
        }

        _seen = replay.LastSequence;
        _sent = replay.Status.State;
        _listener.Saw(_seen);
        return _sent;
    }

    /// <summary>Hands every later change of state to <paramref name="send"/>, once each and in order, until cancelled.</summary>
    public async Task RunAsync(Func<string, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var listener = _listener ?? throw new InvalidOperationException("The state feed runs after it started.");
        await foreach (var note in listener.Notes.ReadAllAsync(cancellationToken))
        {
            if (note.Sequence > _seen)
            {
                _seen = note.Sequence;
                if (!string.Equals(note.State, _sent, StringComparison.Ordinal))
                {
                    _sent = note.State;
                    await send(note.State, cancellationToken);
                }
            }
        }
    }

    /// <summary>Leaves the shared subscription (the last socket of the container ends it).</summary>
    public ValueTask DisposeAsync() => _listener is { } listener ? new ValueTask(listener.LeaveAsync()) : ValueTask.CompletedTask;
}
