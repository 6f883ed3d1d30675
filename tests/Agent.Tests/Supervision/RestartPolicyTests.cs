using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.CodeServer;
using ZlhGrind.Agent.Supervision;

namespace ZlhGrind.Agent.Tests.Supervision;

/// <summary>The one restart policy, over both option sections, on a fake clock.</summary>
public sealed class RestartPolicyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void OnCrashed_ShortLivedCrashes_BackOff30Then60Then120ThenGiveUp()
    {
        var policy = new RestartPolicy(new CodeServerRestartOptions(), _time);

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
        var policy = new RestartPolicy(new CodeServerRestartOptions(), _time);
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
        var policy = new RestartPolicy(new CodeServerRestartOptions { MaxConsecutiveCrashes = 10 }, _time);

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
        var policy = new RestartPolicy(new CodeServerRestartOptions(), _time);
        policy.OnStarted();
        policy.OnCrashed();
        policy.OnStarted();
        policy.OnCrashed();

        policy.Reset();
        policy.OnStarted();

        Assert.Equal(TimeSpan.FromSeconds(30), policy.OnCrashed().Delay);
    }

    [Fact]
    public void OnCrashed_GameAndCodeServerDefaults_SameDecisions()
    {
        var game = new RestartPolicy(new SupervisionOptions(), _time);
        var codeServer = new RestartPolicy(new CodeServerRestartOptions(), _time);

        var decisions = Enumerable.Range(0, 4).Select(_ =>
        {
            game.OnStarted();
            codeServer.OnStarted();
            _time.Advance(TimeSpan.FromSeconds(29));
            return (Game: game.OnCrashed(), CodeServer: codeServer.OnCrashed());
        }).ToList();

        Assert.Equal(decisions.Select(pair => pair.CodeServer), decisions.Select(pair => pair.Game));
        Assert.Equal([30, 60, 120, 0], decisions.Select(pair => pair.Game.Delay.TotalSeconds));
        Assert.Equal([false, false, false, true], decisions.Select(pair => pair.Game.GiveUp));
    }

    [Fact]
    public void OnCrashed_GiveUpAtOnce_CountsTheCrashAndGivesUp()
    {
        var policy = new RestartPolicy(new SupervisionOptions(), _time);
        policy.OnStarted();
        policy.OnCrashed();

        policy.OnStarted(_time.GetUtcNow() - TimeSpan.FromSeconds(3));
        var decision = policy.OnCrashed(giveUpAtOnce: true);

        Assert.Equal(new RestartDecision(true, TimeSpan.Zero, null, 2, TimeSpan.FromSeconds(3)), decision);
        Assert.Null(decision.RestartDelay);
    }

    [Fact]
    public void OnCrashed_BackoffStepsConfigured_WinOverInitialDelayAndRepeatTheLast()
    {
        var options = new CodeServerRestartOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(2), MaxConsecutiveCrashes = 10 };
        options.Backoff.Add(TimeSpan.FromSeconds(5));
        options.Backoff.Add(TimeSpan.FromSeconds(7));
        var policy = new RestartPolicy(options, _time);

        var delays = Enumerable.Range(0, 4).Select(_ => policy.OnCrashed().Delay.TotalSeconds);

        Assert.Equal([5, 7, 7, 7], delays);
    }

    [Fact]
    public void OnCrashed_InitialDelayZero_RestartsAtOnceEveryTime()
    {
        var policy = new RestartPolicy(new CodeServerRestartOptions { InitialDelay = TimeSpan.Zero, MaxConsecutiveCrashes = 10 }, _time);

        var delays = Enumerable.Range(0, 3).Select(_ => policy.OnCrashed().Delay);

        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero], delays);
    }

    [Fact]
    public void Restore_PersistedCounter_ContinuesTheBackoff()
    {
        var policy = new RestartPolicy(new SupervisionOptions(), _time);

        policy.Restore(2);
        var decision = policy.OnCrashed();

        Assert.Equal((3, TimeSpan.FromSeconds(120), false), (decision.ConsecutiveCrashes, decision.Delay, decision.GiveUp));
    }
}
