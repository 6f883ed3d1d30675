namespace ZlhGrind.Agent.CodeServer;

/// <summary>The backoff restart the scheduler fires, and cancelling it.</summary>
internal sealed partial class CodeServerSupervisor
{
    /// <summary>Runs when the backoff elapsed: a launch behind the power lock, unless a power action came first.</summary>
    private async Task RestartAfterBackoffAsync(long epoch)
    {
        try
        {
            await _power.RunAsync(
                async () =>
                {
                    lock (_gate)
                    {
                        if (!_wanted || _current is not null || !_restarts.TryClaim(epoch))
                        {
                            return;
                        }
                    }

                    await LaunchAsync(_lifetime.Token);
                },
                _lifetime.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Agent shutdown; a stop or a user start disarms the timer instead.
        }
    }

    private void CancelPendingRestart()
    {
        lock (_gate)
        {
            _restarts.Disarm(keepDeadline: false);
        }
    }
}
