namespace ZlhGrind.Agent.ClusterLink;

/// <summary>
/// The agent's endpoints in the cluster (console relays, the terminal host, the files relay) stay registered with their grains by registering again every interval: the agent
/// only dials out, so after a reconnect or a grain's move to another silo this is how the cluster finds them again.
/// </summary>
internal static class ClusterRegistration
{
    /// <summary>Runs <paramref name="register"/> now and every <paramref name="interval"/> until stopped; a failure goes to <paramref name="failed"/> and the next tick tries again.</summary>
    public static async Task KeepRegisteredAsync(TimeSpan interval, TimeProvider time, Func<Task> register, Action<Exception> failed, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                try
                {
                    await register();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The cluster may be out of reach; the workload runs on regardless.
                    failed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
