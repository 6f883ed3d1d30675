namespace ZlhGrind.Agent.ClusterLink;

/// <summary>
/// Until when someone watches this server's usage, as the grain last said (heartbeat or usage answer): sample fast until
/// then. Kept by the cluster link, which reads it from the heartbeat answer, so the link does not depend on the sampler.
/// </summary>
internal sealed class UsageWatch
{
    private long _untilTicks;

    public void Observe(DateTimeOffset? until) => Interlocked.Exchange(ref _untilTicks, until?.UtcTicks ?? 0);

    public bool IsWatched(DateTimeOffset now) => Interlocked.Read(ref _untilTicks) > now.UtcTicks;
}
