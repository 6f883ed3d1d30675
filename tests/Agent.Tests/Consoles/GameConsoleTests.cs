using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Tests.Consoles;

public sealed class GameConsoleTests : IDisposable
{
    private readonly GameConsoleRig _rig = new();

    private RunDirectory Run => _rig.Run;

    public void Dispose() => _rig.Dispose();

    [Fact]
    public void Attach_NoSince_GivesTheLastBytesThenLiveOutputAtExactOffsets()
    {
        File.WriteAllText(Run.ConsoleLog, "0123456789");
        using var console = _rig.Open();
        var live = new List<(long Offset, string Text)>();

        var attachment = console.Attach(null, 4, slice => live.Add((slice.Offset, Text(slice))));
        File.AppendAllText(Run.ConsoleLog, "abc");
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
        File.WriteAllText(Run.ConsoleLog, "0123456789");
        using var console = _rig.Open();

        var attachment = console.Attach(3, 4, _ => { });

        Assert.Equal(3, attachment.History.Offset);
        Assert.Equal("3456789", Text(attachment.History));
        Assert.False(attachment.Truncated);
        attachment.Subscription.Dispose();
    }

    [Fact]
    public void Attach_AcrossALaunchRotation_OffsetsContinueAndOlderHistoryIsTruncated()
    {
        File.WriteAllText(Run.ConsoleLog, "run one\n");
        using (var first = _rig.Open())
        {
            Assert.Equal(8, first.End);
        }

        // What ServerLauncher does at each launch, then the shim appends to a new file.
        File.Move(Run.ConsoleLog, Run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(Run.ConsoleLog, "run two\n");
        using (var second = _rig.Open())
        {
            var all = second.Attach(0, 1024, _ => { });
            Assert.Equal("run one\nrun two\n", Text(all.History));
            Assert.Equal(16, second.End);
            all.Subscription.Dispose();
        }

        File.Move(Run.ConsoleLog, Run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(Run.ConsoleLog, "run three\n");
        using var third = _rig.Open();

        var gone = third.Attach(0, 1024, _ => { });

        Assert.True(gone.Truncated);
        Assert.Equal(8, gone.History.Offset);
        Assert.Equal("run two\nrun three\n", Text(gone.History));
        gone.Subscription.Dispose();
    }

    [Fact]
    public void Attach_AfterCopyAndTruncate_OffsetsContinueWithoutDuplicates()
    {
        File.WriteAllText(Run.ConsoleLog, "0123456789");
        using var console = _rig.Open();
        var live = new List<(long Offset, string Text)>();
        var attachment = console.Attach(null, 100, slice => live.Add((slice.Offset, Text(slice))));

        Assert.True(new ConsoleLogLimit(5, TimeSpan.FromSeconds(1)).Apply(Run));
        File.AppendAllText(Run.ConsoleLog, "after");
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
        File.WriteAllText(Run.ConsoleLog, "first\n");
        using (var seen = _rig.Open())
        {
            Assert.Equal(6, seen.End);
        }

        File.Move(Run.ConsoleLog, Run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(Run.ConsoleLog, "second\n");
        File.Move(Run.ConsoleLog, Run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(Run.ConsoleLog, "third\n");
        using var console = _rig.Open();

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
    public async Task WriteAsync_ServerInstalling_RefusedNamingTheStateAndWritesNothing()
    {
        _rig.ServerState = GameServerState.Installing;
        using var console = _rig.Open();

        var refused = await Assert.ThrowsAsync<ConsoleUnavailableException>(() => console.WriteAsync("say hi\n"u8.ToArray(), CancellationToken.None).AsTask());

        Assert.Equal("The server is not running (Installing); the command was not sent.", refused.Message);
        Assert.False(File.Exists(Run.ConsoleInput));
    }

    [Fact]
    public async Task WriteAsync_RunningButNoFifo_RefusedAsClosedAndCreatesNothing()
    {
        using var console = _rig.Open();

        var refused = await Assert.ThrowsAsync<ConsoleUnavailableException>(() => console.WriteAsync("say hi\n"u8.ToArray(), CancellationToken.None).AsTask());

        Assert.Equal("The server's console input is closed (the server has ended); the command was not sent.", refused.Message);
        Assert.False(File.Exists(Run.ConsoleInput));
    }

    [Fact]
    public async Task WriteAsync_FifoNobodyReads_RefusedAsClosedInsteadOfSwallowed()
    {
        await MakeFifoAsync(Run.ConsoleInput);
        using var console = _rig.Open();

        var refused = await Assert.ThrowsAsync<ConsoleUnavailableException>(() => console.WriteAsync("say lost\n"u8.ToArray(), CancellationToken.None).AsTask());

        // With a reader holding it (as the shim does), the next command arrives, alone.
        Assert.Equal("The server's console input is closed (the server has ended); the command was not sent.", refused.Message);
        using var reader = new FileStream(Run.ConsoleInput, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        await console.WriteAsync("say kept\n"u8.ToArray(), CancellationToken.None);
        var buffer = new byte[64];
        var read = await reader.ReadAsync(buffer);
        Assert.Equal("say kept\n", Encoding.UTF8.GetString(buffer, 0, read));
    }

    [Fact]
    public async Task WriteAsync_ReaderNotReadingAndThePipeFull_RefusedAtOnceInsteadOfBlocking()
    {
        await MakeFifoAsync(Run.ConsoleInput);
        using var reader = new FileStream(Run.ConsoleInput, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        using var console = _rig.Open();
        var line = Encoding.UTF8.GetBytes(new string('x', 1023) + "\n");
        var accepted = 0;
        ConsoleUnavailableException? refused = null;
        while (refused is null && accepted < 1024)
        {
            try
            {
                await console.WriteAsync(line, CancellationToken.None);
                accepted++;
            }
            catch (ConsoleUnavailableException ex)
            {
                refused = ex;
            }
        }

        // A pipe holds 64 KiB (4 KiB once its user is over the kernel's pipe quota): whole lines fit until it is full.
        Assert.InRange(accepted, 4, 64);
        Assert.Equal("The server is not reading its console input; the command was not sent.", refused?.Message);
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

        File.WriteAllBytes(Run.ConsoleLog, log);
        using var console = _rig.Open();

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
        File.WriteAllText(Run.ConsoleLog, "0123456789");
        using var console = _rig.Open();

        var last = console.Read(null, 4);
        var middle = console.Read(2, 3);
        File.AppendAllText(Run.ConsoleLog, "abc");
        console.Pump();

        Assert.Equal((6L, "6789", false, 10L), (last.Slice.Offset, Text(last.Slice), last.Truncated, last.End));
        Assert.Equal((2L, "234", false, 10L), (middle.Slice.Offset, Text(middle.Slice), middle.Truncated, middle.End));
        Assert.Equal(7, console.BytesRead);
        Assert.Equal(13, console.End);
    }

    private static async Task MakeFifoAsync(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", ["-m", "600", path]);
        await mkfifo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private static string Text(ConsoleSlice slice) => Encoding.UTF8.GetString(slice.Data.Span);
}
