using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Agent.Usage;

namespace ZlhGrind.Agent.Tests.Processes;

/// <summary>One sampler feeds the heartbeat and the usage points: the same sample, tree-wide, on real processes.</summary>
public sealed class UsageSamplerTests : IDisposable
{
    private const long Allocated = 100_000_000;
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Current_ChildAllocates_HeartbeatFigureAndLatestUsagePointAreOneSampleWithTheChildsMemory()
    {
        // The root shell only waits; its child holds ~100 MB, so only a tree-wide sample sees it.
        var script = _dir.Script("grow.sh", """
            read go
            sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo big; read done'
            """);
        using var process = Process.Start(new ProcessStartInfo("sh", [script]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        try
        {
            var sampler = new UsageSampler(_time);
            var collector = new UsageCollector(
                new UsageOptions(),
                () => sampler.Latest is { } s ? (s.Pid, s.Cpu, s.RssBytes) : (null, TimeSpan.Zero, 0),
                () => 0);
            sampler.Take(process.Id);
            Assert.False(collector.Tick(_time.GetUtcNow(), watched: false));
            await process.StandardInput.WriteLineAsync("go");
            await process.StandardInput.FlushAsync();
            Assert.Equal("big", await process.StandardOutput.ReadLineAsync());

            _time.Advance(TimeSpan.FromMinutes(1));
            var sample = sampler.Take(process.Id);
            Assert.True(collector.Tick(_time.GetUtcNow(), watched: false));
            var point = Assert.Single(collector.Pending()!.Minute);
            var (cpu, rss) = sampler.Current(process.Id, TimeSpan.FromSeconds(10));

            Assert.Equal((point.CpuPercent, point.RssBytes), (cpu, rss));
            Assert.Equal(sample.RssBytes, rss);
            Assert.True(rss >= Allocated, $"the tree holds {rss} bytes");
            Assert.Same(sample, sampler.Latest);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public void Current_LatestTooOldOrOfAnotherProcess_TakesAFreshSample()
    {
        var sampler = new UsageSampler(_time);
        var old = sampler.Take(Environment.ProcessId);
        _time.Advance(TimeSpan.FromSeconds(11));

        var (_, rss) = sampler.Current(Environment.ProcessId, TimeSpan.FromSeconds(10));

        Assert.NotSame(old, sampler.Latest);
        Assert.Equal(_time.GetUtcNow(), sampler.Latest!.At);
        Assert.Equal(sampler.Latest.RssBytes, rss);
        Assert.True(rss > 0);
    }

    [Fact]
    public void Current_NoProcess_IsZero()
    {
        var sampler = new UsageSampler(_time);

        Assert.Equal((0d, 0L), sampler.Current(null, TimeSpan.FromSeconds(10)));
        Assert.Equal((0d, 0L), sampler.Current(int.MaxValue, TimeSpan.FromSeconds(10)));
    }
}
