using System.Diagnostics;
using ZlhGrind.Agent.ClusterLink;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.ClusterLink;

public sealed class ProcessSamplerTests
{
    [Fact]
    public async Task Sample_BusyProcess_ReportsCpuAndResidentMemory()
    {
        using var busy = Process.Start("sh", ["-c", "while :; do :; done"]);
        try
        {
            var sampler = new ProcessSampler(TimeProvider.System);
            var (firstCpu, rss) = sampler.Sample(busy.Id);
            Assert.Equal(0, firstCpu);
            Assert.True(rss > 0);

            // CPU is a rate between two samples; wait until the busy loop has burnt some measurable time.
            using var self = Process.GetProcessById(busy.Id);
            await Wait.UntilAsync(() => { self.Refresh(); return self.TotalProcessorTime > TimeSpan.FromMilliseconds(50); }, Wait.Patience, "the loop uses CPU");
            var (cpu, _) = sampler.Sample(busy.Id);
            Assert.True(cpu > 0, $"cpu {cpu}");
        }
        finally
        {
            busy.Kill();
            await busy.WaitForExitAsync();
        }
    }

    [Fact]
    public void Sample_NoProcess_IsZero()
    {
        var sampler = new ProcessSampler(TimeProvider.System);

        Assert.Equal((0d, 0L), sampler.Sample(null));
        Assert.Equal((0d, 0L), sampler.Sample(int.MaxValue));
    }
}
