using System.Text;
using ZlhGrind.Agent.Crashes;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Crashes;

public sealed class LogTailTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_ManyShortLines_KeepsLast50()
    {
        var path = _dir.Combine("console.log");
        File.WriteAllLines(path, Enumerable.Range(1, 200).Select(i => $"line {i}"));

        var tail = LogTail.Read(path, 50, 8 * 1024).Split('\n');

        Assert.Equal(50, tail.Length);
        Assert.Equal("line 151", tail[0]);
        Assert.Equal("line 200", tail[^1]);
    }

    [Fact]
    public void Read_LongLines_StaysWithin8KiBAndWholeLines()
    {
        var path = _dir.Combine("console.log");
        File.WriteAllLines(path, Enumerable.Range(1, 40).Select(i => $"{i:D3} " + new string('x', 996)));

        var tail = LogTail.Read(path, 50, 8 * 1024);

        Assert.True(Encoding.UTF8.GetByteCount(tail) <= 8 * 1024);
        var lines = tail.Split('\n');
        Assert.Equal(8, lines.Length);
        Assert.All(lines, l => Assert.Equal(1000, l.Length));
        Assert.StartsWith("040 ", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FromARunsStart_EarlierRunsLinesLeftOut()
    {
        var path = _dir.Combine("console.log");
        File.WriteAllText(path, "run 1 line a\nrun 1 line b\n");
        var start = new FileInfo(path).Length;
        File.AppendAllText(path, "run 2 line a\nrun 2 line b\n");

        Assert.Equal("run 2 line a\nrun 2 line b", LogTail.Read(path, 50, 8192, start));
    }

    [Fact]
    public void Read_RunsStartPastTheEnd_RotatedBySizeSoAllOfItIsTheRuns()
    {
        var path = _dir.Combine("console.log");
        File.WriteAllText(path, "after rotation\n");

        Assert.Equal("after rotation", LogTail.Read(path, 50, 8192, from: 4096));
    }

    [Fact]
    public void Read_NoFile_IsEmpty()
    {
        Assert.Equal("", LogTail.Read(_dir.Combine("missing.log"), 50, 8192));
    }
}
