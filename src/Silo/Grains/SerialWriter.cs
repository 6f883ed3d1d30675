namespace ZlhGrind.Silo.Grains;

/// <summary>
/// Runs the writes of one reentrant grain's record one after another (interleaved writes of one record would fail on
/// its etag), and coalesces them: a write asked for while another one still waits to start joins that one, which
/// stores every change made until it starts. So a burst of changes costs one write under way and one queued, not one
/// each. A failed write fails the callers that joined it (their changes were in it) and no other; the next one still runs.
/// Call it from the grain's turns only.
/// </summary>
internal sealed class SerialWriter(Func<Task> write)
{
    private Task _writing = Task.CompletedTask;
    private Task? _queued;

    public Task WriteAsync() => _queued ??= _writing = WriteAfterAsync(_writing);

    private async Task WriteAfterAsync(Task previous)
    {
        // Yield before anything else, so the caller has recorded this write as the queued one before it can start.
        await Task.Yield();
        await previous.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        _queued = null;
        await write();
    }
}
