using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>The backoff restart the scheduler fires.</summary>
internal sealed partial class GameSupervisor
{
    /// <summary>Runs when the backoff elapsed: a restart behind the power lock, unless a power action came first.</summary>
    private async Task RestartAfterBackoffAsync(long epoch)
    {
        try
        {
            await _power.RunAsync(async () =>
            {
                lock (_gate)
                {
                    if (_state != GameServerState.Crashed || _detached || !_restarts.TryClaim(epoch))
                    {
                        return;
                    }
                }

                await StartServerAsync(userRequested: false, CancellationToken.None);
            });
        }
        catch (ObjectDisposedException)
        {
            // The agent is shutting down; the next agent restores the pending restart.
        }
    }
}
