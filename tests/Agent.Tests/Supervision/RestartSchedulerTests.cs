using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Supervision;

namespace ZlhGrind.Agent.Tests.Supervision;

/// <summary>The one restart scheduler: a TimeProvider timer and an epoch, on a fake clock.</summary>
public sealed class RestartSchedulerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<long> _fired = [];

    [Fact]
    public void Arm_DelayElapses_FiresOnceAtTheDelayWithAClaimableEpoch()
    {
        var scheduler = new RestartScheduler(_time, Record);

        scheduler.Arm(TimeSpan.FromSeconds(30));
        var restartAt = scheduler.RestartAt;
        _time.Advance(TimeSpan.FromSeconds(29));
        var early = _fired.Count;
        _time.Advance(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 30, TimeSpan.Zero), restartAt);
        Assert.Equal(0, early);
        Assert.Single(_fired);
        Assert.True(scheduler.TryClaim(_fired[0]));
        Assert.Null(scheduler.RestartAt);
        Assert.False(scheduler.TryClaim(_fired[0] - 1));
    }

    [Fact]
    public void Disarm_BeforeTheDelay_NeverFiresAndKeepsTheDeadlineOnlyWhenAsked()
    {
        var scheduler = new RestartScheduler(_time, Record);
        scheduler.Arm(TimeSpan.FromSeconds(30));

        scheduler.Disarm(keepDeadline: true);
        var kept = scheduler.RestartAt;
        scheduler.Disarm(keepDeadline: false);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 30, TimeSpan.Zero), kept);
        Assert.Null(scheduler.RestartAt);
        Assert.Empty(_fired);
    }

    [Fact]
    public void TryClaim_EpochOfAReplacedArm_IsRefusedAndLeavesTheNewOnePending()
    {
        var scheduler = new RestartScheduler(_time, Record);
        scheduler.Arm(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));
        var stale = _fired.Single();

        scheduler.Arm(TimeSpan.FromSeconds(60));

        Assert.False(scheduler.TryClaim(stale));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 1, 10, TimeSpan.Zero), scheduler.RestartAt);
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(2, _fired.Count);
        Assert.True(scheduler.TryClaim(_fired[1]));
    }

    private Task Record(long epoch)
    {
        _fired.Add(epoch);
        return Task.CompletedTask;
    }
}
