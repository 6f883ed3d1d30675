using System.Diagnostics;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Agent.Usage;

namespace ZlhGrind.Agent.Tests.Usage;

/// <summary>What the sampler sees of real processes and real directories.</summary>
public sealed class ProcessUsageTests : IDisposable
{
    private const long Grown = 90L * 1024 * 1024;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Measure_ProcessTreeAllocates_SamplerSeesRssGrowAndCpuUsed()
    {
        // The root shell waits; its child allocates ~100 MB and spins, so only a tree-wide sum sees it.
        var script = _dir.Script("grow.sh", """
            echo small
            read go
            sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo big; read done'
            """);
        using var process = Process.Start(new ProcessStartInfo("sh", [script]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        try
        {
            var tree = new ProcessTreeUsage();
            Assert.Equal("small", await process.StandardOutput.ReadLineAsync());
            var before = tree.Measure(process.Id);
            await process.StandardInput.WriteLineAsync("go");
            await process.StandardInput.FlushAsync();
            Assert.Equal("big", await process.StandardOutput.ReadLineAsync());

            var after = tree.Measure(process.Id);

            Assert.True(after.RssBytes - before.RssBytes >= Grown, $"RSS grew from {before.RssBytes} to {after.RssBytes}");
            Assert.True(after.Cpu > before.Cpu, $"CPU went from {before.Cpu} to {after.Cpu}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public void Measure_ProcessGone_IsZero()
    {
        Assert.Equal((TimeSpan.Zero, 0L), new ProcessTreeUsage().Measure(int.MaxValue));
    }

    [Fact]
    public void Parse_NameWithSpacesAndParentheses_ReadsParentCpuAndRss()
    {
        var line = "1234 (my (odd) server) S 77 1234 1234 0 -1 4194560 500 0 0 0 150 25 0 0 20 0 3 0 9999 123456789 2048 18446744073709551615";

        Assert.Equal((77, 175L, 2048L), ProcessTreeUsage.Parse(line));
    }

    [Fact]
    public void DiskUsage_LinksPlantedToFilesAndDirectoriesOutside_AreNotCounted()
    {
        var root = Directory.CreateDirectory(_dir.Combine("server")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "world", "region"));
        File.WriteAllBytes(Path.Combine(root, "server.properties"), new byte[1000]);
        File.WriteAllBytes(Path.Combine(root, "world", "region", "r.0.0.mca"), new byte[2345]);
        var outside = Directory.CreateDirectory(_dir.Combine("outside")).FullName;
        File.WriteAllBytes(Path.Combine(outside, "huge.bin"), new byte[1024 * 1024]);
        File.CreateSymbolicLink(Path.Combine(root, "huge-link"), Path.Combine(outside, "huge.bin"));
        Directory.CreateSymbolicLink(Path.Combine(root, "world", "escape"), outside);

        Assert.Equal((3345L, false), DiskUsage.Measure(root, maxEntries: 1000));
    }

    [Fact]
    public void DiskUsage_MoreEntriesThanTheBound_StopsAndSaysSo()
    {
        var root = Directory.CreateDirectory(_dir.Combine("many")).FullName;
        for (var i = 0; i < 10; i++)
        {
            File.WriteAllBytes(Path.Combine(root, $"f{i}"), new byte[10]);
        }

        Assert.Equal((30L, true), DiskUsage.Measure(root, maxEntries: 3));
        Assert.Equal((0L, false), DiskUsage.Measure(_dir.Combine("missing"), maxEntries: 3));
    }
}
