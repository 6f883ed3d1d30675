namespace ZlhGrind.Agent.Usage;

/// <summary>Until when someone watches this server's usage, as the grain last said (heartbeat or usage answer): sample fast until then.</summary>
internal sealed class UsageWatch
{
    private long _untilTicks;

    public void Observe(DateTimeOffset? until) => Interlocked.Exchange(ref _untilTicks, until?.UtcTicks ?? 0);

    public bool IsWatched(DateTimeOffset now) => Interlocked.Read(ref _untilTicks) > now.UtcTicks;
}
