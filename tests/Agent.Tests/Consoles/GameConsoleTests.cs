using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Agent.Tests.Consoles;

public sealed class GameConsoleTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RunDirectory _run;

    public GameConsoleTests()
    {
        _run = new RunDirectory(_dir.Path);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Attach_NoSince_GivesTheLastBytesThenLiveOutputAtExactOffsets()
    {
        File.WriteAllText(_run.ConsoleLog, "0123456789");
        using var console = Open();
        var live = new List<(long Offset, string Text)>();

        var attachment = console.Attach(null, 4, slice => live.Add((slice.Offset, Text(slice))));
        File.AppendAllText(_run.ConsoleLog, "abc");
        console.Pump();

        Assert.Equal(6, attachment.History.Offset);
        Assert.Equal("6789", Text(attachment.History));
        Assert.False(attachment.Truncated);
        Assert.Equal([(10L, "abc")], live);
        Assert.Equal(13, console.End);
        attachment.Subscription.Dispose();
    }

    [Fact]
    public void Attach_SinceInHistory_GivesEverythingFromIt()
    {
        File.WriteAllText(_run.ConsoleLog, "0123456789");
        using var console = Open();

        var attachment = console.Attach(3, 4, _ => { });

        Assert.Equal(3, attachment.History.Offset);
        Assert.Equal("3456789", Text(attachment.History));
        Assert.False(attachment.Truncated);
        attachment.Subscription.Dispose();
    }

    [Fact]
    public void Attach_AcrossALaunchRotation_OffsetsContinueAndOlderHistoryIsTruncated()
    {
        File.WriteAllText(_run.ConsoleLog, "run one\n");
        using (var first = Open())
        {
            Assert.Equal(8, first.End);
        }

        // What ServerLauncher does at each launch, then the shim appends to a new file.
        File.Move(_run.ConsoleLog, _run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(_run.ConsoleLog, "run two\n");
        using (var second = Open())
        {
            var all = second.Attach(0, 1024, _ => { });
            Assert.Equal("run one\nrun two\n", Text(all.History));
            Assert.Equal(16, second.End);
            all.Subscription.Dispose();
        }

        File.Move(_run.ConsoleLog, _run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(_run.ConsoleLog, "run three\n");
        using var third = Open();

        var gone = third.Attach(0, 1024, _ => { });

        Assert.True(gone.Truncated);
        Assert.Equal(8, gone.History.Offset);
        Assert.Equal("run two\nrun three\n", Text(gone.History));
        gone.Subscription.Dispose();
    }

    [Fact]
    public void Attach_AfterCopyAndTruncate_OffsetsContinueWithoutDuplicates()
    {
        File.WriteAllText(_run.ConsoleLog, "0123456789");
        using var console = Open();
        var live = new List<(long Offset, string Text)>();
        var attachment = console.Attach(null, 100, slice => live.Add((slice.Offset, Text(slice))));

        Assert.True(new ConsoleLogLimit(5, TimeSpan.FromSeconds(1)).Apply(_run));
        File.AppendAllText(_run.ConsoleLog, "after");
        console.Pump();

        Assert.Equal([(10L, "after")], live);
        Assert.Equal(15, console.End);
        var again = console.Attach(8, 100, _ => { });
        Assert.Equal("89after", Text(again.History));
        attachment.Subscription.Dispose();
        again.Subscription.Dispose();
    }

    [Fact]
    public void Attach_TwoRotationsWhileNobodyLooked_NumbersPastEverythingGivenBefore()
    {
        File.WriteAllText(_run.ConsoleLog, "first\n");
        using (var seen = Open())
        {
            Assert.Equal(6, seen.End);
        }

        File.Move(_run.ConsoleLog, _run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(_run.ConsoleLog, "second\n");
        File.Move(_run.ConsoleLog, _run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(_run.ConsoleLog, "third\n");
        using var console = Open();

        var resumed = console.Attach(6, 1024, _ => { });
        var gone = console.Attach(3, 1024, _ => { });

        Assert.False(resumed.Truncated);
        Assert.Equal(6, resumed.History.Offset);
        Assert.Equal("second\nthird\n", Text(resumed.History));
        Assert.True(gone.Truncated);
        Assert.Equal(6, gone.History.Offset);
        resumed.Subscription.Dispose();
        gone.Subscription.Dispose();
    }

    [Fact]
    public async Task WriteAsync_NoServerRunning_IsRefusedAndWritesNothing()
    {
        using var console = new GameConsole(_run, () => false, TimeSpan.FromHours(1), NullLogger.Instance);

        var refused = await Assert.ThrowsAsync<ConsoleUnavailableException>(() => console.WriteAsync("say hi\n"u8.ToArray(), CancellationToken.None).AsTask());

        Assert.Equal("The server is not running.", refused.Message);
        Assert.False(File.Exists(_run.ConsoleInput));
    }

    [Fact]
    public async Task Read_ThroughTheRelayPageByPageOverAnEightMiBLog_ReadsEachByteOnceAndNoMore()
    {
        const int Page = ConsoleLimits.ChunkBytes;
        const int Pages = 128;
        var log = new byte[Page * Pages];
        for (var i = 0; i < log.Length; i++)
        {
            log[i] = (byte)('a' + (i % 26));
        }

        File.WriteAllBytes(_run.ConsoleLog, log);
        using var console = Open();

        // Reading history never calls the grain: the relay only pushes while streaming, and nothing streams here.
        await using var relay = new ConsoleRelay(console, grain: null!, queuedSlices: 4, NullLogger.Instance);
        var read = new MemoryStream();
        long next = 0;
        var pages = 0;
        ConsoleHistory page;
        do
        {
            page = await relay.ReadAsync(next, Page);
            read.Write(page.Data);
            next = page.Offset + page.Data.Length;
            pages++;
        }
        while (next < page.End);

        Assert.Equal(Pages, pages);
        Assert.Equal(log, read.ToArray());
        Assert.Equal((long)log.Length, console.BytesRead);
    }

    [Fact]
    public void Read_LastBytesAndFromAnOffset_OnlyThePageIsReadAndNothingIsAttached()
    {
        File.WriteAllText(_run.ConsoleLog, "0123456789");
        using var console = Open();

        var last = console.Read(null, 4);
        var middle = console.Read(2, 3);
        File.AppendAllText(_run.ConsoleLog, "abc");
        console.Pump();

        Assert.Equal((6L, "6789", false, 10L), (last.Slice.Offset, Text(last.Slice), last.Truncated, last.End));
        Assert.Equal((2L, "234", false, 10L), (middle.Slice.Offset, Text(middle.Slice), middle.Truncated, middle.End));
        Assert.Equal(7, console.BytesRead);
        Assert.Equal(13, console.End);
    }

    private GameConsole Open() => new(_run, () => true, TimeSpan.FromHours(1), NullLogger.Instance);

    private static string Text(ConsoleSlice slice) => Encoding.UTF8.GetString(slice.Data.Span);
}
