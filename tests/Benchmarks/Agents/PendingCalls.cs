namespace ZlhGrind.Benchmarks.Agents;

/// <summary>Counts calls in flight so a round can wait (bounded) for the last ones to finish.</summary>
internal sealed class PendingCalls
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _inFlight = 1;

    public void Track(Task call)
    {
        Interlocked.Increment(ref _inFlight);
        call.ContinueWith(_ => Done(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Done();
        await _drained.Task.WaitAsync(timeout, cancellationToken);
    }

    private void Done()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }
    }
}
