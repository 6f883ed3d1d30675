using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.CodeServer;

namespace ZlhGrind.Agent.Tests.CodeServer;

public sealed class CodeServerRestartPolicyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void OnCrashed_ShortLivedCrashes_BackOff30Then60Then120ThenGiveUp()
    {
        var policy = new CodeServerRestartPolicy(new CodeServerRestartOptions(), _time);

        var decisions = Enumerable.Range(0, 4).Select(_ =>
        {
            policy.OnStarted();
            _time.Advance(TimeSpan.FromSeconds(5));
            return policy.OnCrashed();
        }).ToList();

        Assert.Equal([30, 60, 120], decisions.Take(3).Select(decision => decision.Delay.TotalSeconds));
        Assert.Equal([false, false, false, true], decisions.Select(decision => decision.GiveUp));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 15, TimeSpan.Zero) + TimeSpan.FromSeconds(120), decisions[2].RestartAt);
        Assert.Equal(TimeSpan.FromSeconds(5), decisions[0].Uptime);
    }

    [Fact]
    public void OnCrashed_AfterThirtySecondsUp_StartsOverAt30()
    {
        var policy = new CodeServerRestartPolicy(new CodeServerRestartOptions(), _time);
        policy.OnStarted();
        policy.OnCrashed();
        policy.OnStarted();
        policy.OnCrashed();

        policy.OnStarted();
        _time.Advance(TimeSpan.FromSeconds(30));
        var decision = policy.OnCrashed();

        Assert.Equal((TimeSpan.FromSeconds(30), 1, false), (decision.Delay, decision.ConsecutiveCrashes, decision.GiveUp));
    }

    [Fact]
    public void OnCrashed_MoreCrashesAllowed_StaysAt120()
    {
        var policy = new CodeServerRestartPolicy(new CodeServerRestartOptions { MaxConsecutiveCrashes = 10 }, _time);

        var delays = Enumerable.Range(0, 6).Select(_ =>
        {
            policy.OnStarted();
            return policy.OnCrashed().Delay.TotalSeconds;
        });

        Assert.Equal([30, 60, 120, 120, 120, 120], delays);
    }

    [Fact]
    public void Reset_AfterCrashes_ForgivesThem()
    {
        var policy = new CodeServerRestartPolicy(new CodeServerRestartOptions(), _time);
        policy.OnStarted();
        policy.OnCrashed();
        policy.OnStarted();
        policy.OnCrashed();

        policy.Reset();
        policy.OnStarted();

        Assert.Equal(TimeSpan.FromSeconds(30), policy.OnCrashed().Delay);
    }
}
