using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Files;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Agent.Tests.Files;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesRelayTests
{
    [Fact]
    public async Task BeginWrite_ThroughALinkToOutside_RefusedAtBeginAndNothingOpen()
    {
        using var files = new FilesHarness();
        File.CreateSymbolicLink(files.Inside("plugins"), files.OutsidePath);
        await using var relay = Relay(files, new FakeTimeProvider());

        var refused = await Assert.ThrowsAsync<FileRefusedException>(() => relay.BeginWriteAsync("plugins/evil.sh"));

        Assert.Equal(("outside_root", "'plugins/evil.sh' resolves outside the root"), (refused.Code, refused.Message));
        Assert.Equal(0, relay.OpenWrites);
        files.AssertOutsideUnchanged();
    }

    [Fact]
    public async Task Append_PastMaxWriteBytes_RefusedTooLargeAndNothingLeft()
    {
        using var files = new FilesHarness(options: new FilesOptions { MaxWriteBytes = 10 });
        await using var relay = Relay(files, new FakeTimeProvider());
        var writeId = await relay.BeginWriteAsync("a.txt");

        var refused = await Assert.ThrowsAsync<FileRefusedException>(async () =>
        {
            await relay.AppendAsync(writeId, 0, Encoding.UTF8.GetBytes("0123456789A"));
            await relay.FinishAsync(writeId);
        });

        Assert.Equal("too_large", refused.Code);
        Assert.Equal(0, relay.OpenWrites);
        Assert.Empty(Directory.GetFileSystemEntries(files.RootPath));
    }

    [Fact]
    public async Task Write_IdlePastTheTimeout_AbortedAndNothingLeft()
    {
        using var files = new FilesHarness();
        var time = new FakeTimeProvider();
        await using var relay = Relay(files, time);
        var writeId = await relay.BeginWriteAsync("a.txt");
        await relay.AppendAsync(writeId, 0, Encoding.UTF8.GetBytes("half"));
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.WriteEnded += id => ended.TrySetResult(id);

        time.Advance(new FilesOptions().WriteIdleTimeout);

        Assert.Equal(writeId, await ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var gone = await Assert.ThrowsAsync<FileRefusedException>(() => relay.FinishAsync(writeId));
        Assert.Equal("not_found", gone.Code);
        Assert.Empty(Directory.GetFileSystemEntries(files.RootPath));
    }

    [Fact]
    public async Task Write_InPiecesThenFinish_FileInPlaceWithItsBytes()
    {
        using var files = new FilesHarness();
        await using var relay = Relay(files, new FakeTimeProvider());
        var writeId = await relay.BeginWriteAsync("server.properties");

        await relay.AppendAsync(writeId, 0, Encoding.UTF8.GetBytes("motd="));
        await relay.AppendAsync(writeId, 5, Encoding.UTF8.GetBytes("hello\n"));
        var written = await relay.FinishAsync(writeId);

        Assert.Equal(11, written);
        Assert.Equal("motd=hello\n", File.ReadAllText(files.Inside("server.properties")));
        Assert.Equal(0, relay.OpenWrites);
    }

    [Fact]
    public async Task Write_PiecesArriveOutOfOrder_WrittenInOffsetOrder()
    {
        using var files = new FilesHarness();
        await using var relay = Relay(files, new FakeTimeProvider());
        var writeId = await relay.BeginWriteAsync("server.properties");

        // Pieces travel side by side through the cluster: the later ones may come first and wait for the first.
        await relay.AppendAsync(writeId, 11, Encoding.UTF8.GetBytes("max-players=8\n"));
        await relay.AppendAsync(writeId, 5, Encoding.UTF8.GetBytes("hello\n"));
        await relay.AppendAsync(writeId, 0, Encoding.UTF8.GetBytes("motd="));
        var written = await relay.FinishAsync(writeId);

        Assert.Equal(25, written);
        Assert.Equal("motd=hello\nmax-players=8\n", File.ReadAllText(files.Inside("server.properties")));
    }

    [Fact]
    public async Task Append_PieceTwiceOrPastTheWindow_RefusedInvalidArgumentAndTheWriteGoesOn()
    {
        using var files = new FilesHarness();
        await using var relay = Relay(files, new FakeTimeProvider());
        var writeId = await relay.BeginWriteAsync("a.txt");
        await relay.AppendAsync(writeId, 0, Encoding.UTF8.GetBytes("motd="));

        var twice = await Assert.ThrowsAsync<FileRefusedException>(() => relay.AppendAsync(writeId, 0, Encoding.UTF8.GetBytes("motd=")));
        var far = await Assert.ThrowsAsync<FileRefusedException>(() => relay.AppendAsync(writeId, 5 + ((long)FileLimits.PiecesInFlight * FileLimits.PieceBytes), [1]));
        await relay.AppendAsync(writeId, 5, Encoding.UTF8.GetBytes("hi\n"));

        Assert.Equal(("invalid_argument", "invalid_argument"), (twice.Code, far.Code));
        Assert.Equal(8, await relay.FinishAsync(writeId));
        Assert.Equal("motd=hi\n", File.ReadAllText(files.Inside("a.txt")));
    }

    [Fact]
    public async Task List_RootWithTheUploadStagingDirectory_StagingNotShown()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside(UploadStore.StagingDirectory));
        Directory.CreateDirectory(files.Inside("world", UploadStore.StagingDirectory));
        File.WriteAllText(files.Inside("eula.txt"), "eula=true");
        await using var relay = Relay(files, new FakeTimeProvider());

        var root = await relay.ListAsync("/");
        var world = await relay.ListAsync("world");

        Assert.Equal(["eula.txt", "world"], root.Entries.Select(e => e.Name));
        Assert.Equal([UploadStore.StagingDirectory], world.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task Read_AtAnOffset_ReturnsThoseBytesWithTheLength()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("log.txt"), "0123456789");
        await using var relay = Relay(files, new FakeTimeProvider());

        var block = await relay.ReadAsync("log.txt", 4, 3);
        var past = await relay.ReadAsync("log.txt", 20, 3);

        Assert.Equal(("456", 10L), (Encoding.UTF8.GetString(block.Data), block.Length));
        Assert.Empty(past.Data);
    }

    private static FilesRelay Relay(FilesHarness files, TimeProvider time) =>
        new(files.RootPath, files.Options, FileRootPolicy.Unrestricted, time, NullLogger.Instance);
}
