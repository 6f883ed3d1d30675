namespace ZlhGrind.Silo.Grains.Watch;

/// <summary>
/// Runs the writes of one reentrant grain's record one after another: interleaved writes of one record would fail on
/// its etag. A failed write fails its own caller only; the next one still runs.
/// </summary>
internal sealed class SerialWriter(Func<Task> write)
{
    private Task _writing = Task.CompletedTask;

    public Task WriteAsync() => _writing = WriteAfterAsync(_writing);

    private async Task WriteAfterAsync(Task previous)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        await write();
    }
}
