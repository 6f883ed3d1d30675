using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Usage;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Usage;

/// <summary>The two series from samples, on a fake clock and a scripted process.</summary>
public sealed class UsageCollectorTests
{
    private const long Rss = 300L * 1024 * 1024;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly UsageOptions _options = new() { MaxPendingPoints = 3 };
    private (int? Pid, TimeSpan Cpu, long RssBytes) _process = (42, TimeSpan.Zero, Rss);
    private long _disk = 1000;
    private int _diskWalks;

    [Fact]
    public void Tick_AMinuteApart_FirstSetsTheBaselineThenAPointWithTheMinutesAverageCpu()
    {
        var collector = Collector();

        Assert.False(collector.Tick(_time.GetUtcNow(), watched: false));
        Assert.Null(collector.Pending());
        _time.Advance(TimeSpan.FromMinutes(1));
        _process = (42, TimeSpan.FromSeconds(30), Rss);
        Assert.True(collector.Tick(_time.GetUtcNow(), watched: false));

        var report = collector.Pending()!;
        Assert.Equal([new UsagePoint(_time.GetUtcNow(), 50, Rss, 1000)], report.Minute);
        Assert.Empty(report.Fast);
    }

    [Fact]
    public void Tick_Watched_FastPointEveryFiveSecondsAndMinutePointOncePerMinute()
    {
        var collector = Collector();
        collector.Tick(_time.GetUtcNow(), watched: true);
        for (var i = 1; i <= 12; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            _process = (42, TimeSpan.FromSeconds(i), Rss);
            Assert.True(collector.Tick(_time.GetUtcNow(), watched: true));
        }

        var report = collector.Pending()!;
        Assert.Equal(3, report.Fast.Count);
        Assert.All(report.Fast, p => Assert.Equal(20, p.CpuPercent));
        Assert.Equal([new UsagePoint(_time.GetUtcNow(), 20, Rss, 1000)], report.Minute);
    }

    [Fact]
    public void Tick_NotWatched_NoFastPointAndNothingSampledBetweenMinutes()
    {
        var collector = Collector();
        collector.Tick(_time.GetUtcNow(), watched: false);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(collector.Tick(_time.GetUtcNow(), watched: false));
        Assert.Null(collector.Pending());
        Assert.Equal(1, _diskWalks);
    }

    [Fact]
    public void Tick_DiskWalk_AtMostOncePerDiskInterval()
    {
        var collector = Collector();
        collector.Tick(_time.GetUtcNow(), watched: true);
        _disk = 5000;
        for (var i = 0; i < 11; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            collector.Tick(_time.GetUtcNow(), watched: true);
        }

        Assert.Equal(1, _diskWalks);
        Assert.All(collector.Pending()!.Fast, p => Assert.Equal(1000, p.DiskBytes));
        _time.Advance(TimeSpan.FromSeconds(5));
        collector.Tick(_time.GetUtcNow(), watched: true);
        Assert.Equal(2, _diskWalks);
        Assert.Equal(5000, collector.Pending()!.Fast[^1].DiskBytes);
    }

    [Fact]
    public void Tick_ServerRestartedOrStopped_NoNegativeCpuAndNoMemory()
    {
        var collector = Collector();
        _process = (42, TimeSpan.FromSeconds(50), Rss);
        collector.Tick(_time.GetUtcNow(), watched: false);
        _time.Advance(TimeSpan.FromMinutes(1));
        _process = (43, TimeSpan.FromSeconds(1), Rss);
        collector.Tick(_time.GetUtcNow(), watched: false);
        _time.Advance(TimeSpan.FromMinutes(1));
        _process = (null, TimeSpan.Zero, 0);
        collector.Tick(_time.GetUtcNow(), watched: false);

        Assert.Equal(
            [new UsagePoint(_time.GetUtcNow().AddMinutes(-1), 0, Rss, 1000), new UsagePoint(_time.GetUtcNow(), 0, 0, 1000)],
            collector.Pending()!.Minute);
    }

    [Fact]
    public void Pending_GrainUnreachable_KeepsTheNewestBoundedAndReportedOnesLeave()
    {
        var collector = Collector();
        collector.Tick(_time.GetUtcNow(), watched: false);
        for (var i = 1; i <= 5; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            collector.Tick(_time.GetUtcNow(), watched: false);
        }

        var pending = collector.Pending()!;
        Assert.Equal([_time.GetUtcNow().AddMinutes(-2), _time.GetUtcNow().AddMinutes(-1), _time.GetUtcNow()], pending.Minute.Select(p => p.At));
        _time.Advance(TimeSpan.FromMinutes(1));
        collector.Tick(_time.GetUtcNow(), watched: false);
        collector.Reported(pending);
        Assert.Equal([_time.GetUtcNow()], collector.Pending()!.Minute.Select(p => p.At));
    }

    private UsageCollector Collector() => new(_options, () => _process, () =>
    {
        _diskWalks++;
        return _disk;
    });
}
