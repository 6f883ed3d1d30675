namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// The one power lock of a supervisor (Wings' power lock): start, stop, restart and a backoff restart run one at a
/// time, in arrival order. Kill does not take it, so it can end a start or stop that hangs.
/// </summary>
internal sealed class PowerLock : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Runs <paramref name="action"/> when no other power action runs.</summary>
    public async Task RunAsync(Func<Task> action, CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            await action();
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Runs <paramref name="action"/> when no other power action runs, and returns its result.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            return await action();
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose() => _turn.Dispose();
}
