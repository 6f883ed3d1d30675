using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Files;

namespace ZlhGrind.Agent.Tests.Files;

public sealed class UploadStoreTests
{
    private const int ChunkBytes = 64 * 1024;

    [Fact]
    public async Task CompleteAsync_ChunksOutOfOrderOneSentTwice_FileInPlaceWithItsBytes()
    {
        using var files = new FilesHarness(options: Options());
        using var store = new UploadStore(files.Root, files.Options, new FakeTimeProvider());
        var content = Bytes((2 * ChunkBytes) + 100);

        files.Root.MakeDirectory("plugins");
        var ticket = store.Begin("/plugins/big.jar", content.Length, SHA256.HashData(content));
        await PutAsync(store, ticket.UploadId, content, 2);
        await PutAsync(store, ticket.UploadId, content, 0);
        await PutAsync(store, ticket.UploadId, content, 0);
        var status = await PutAsync(store, ticket.UploadId, content, 1);
        var size = await store.CompleteAsync(ticket.UploadId, CancellationToken.None);

        Assert.Equal(new UploadTicket(ticket.UploadId, ChunkBytes, 3), ticket);
        Assert.Equal(32, ticket.UploadId.Length);
        Assert.Equal([0, 1, 2], status.ReceivedChunks);
        Assert.Equal(content.Length, size);
        Assert.Equal(content, await File.ReadAllBytesAsync(files.Inside("plugins", "big.jar")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(files.Inside(UploadStore.StagingDirectory)));
        Assert.Equal(content.Length, files.Root.Quota.Used);
    }

    [Fact]
    public async Task Status_AfterSomeChunks_NamesThoseIn()
    {
        using var files = new FilesHarness(options: Options());
        using var store = new UploadStore(files.Root, files.Options, new FakeTimeProvider());
        var content = Bytes(3 * ChunkBytes);
        var ticket = store.Begin("world.zip", content.Length, SHA256.HashData(content));

        await PutAsync(store, ticket.UploadId, content, 1);

        var status = store.Status(ticket.UploadId);
        Assert.Equal([1], status.ReceivedChunks);
        Assert.Equal(3, status.ChunkCount);
        Assert.Equal("world.zip", status.Path);
    }

    [Fact]
    public async Task PutChunkAsync_WrongDigest_RefusedChunkNotCounted()
    {
        using var files = new FilesHarness(options: Options());
        using var store = new UploadStore(files.Root, files.Options, new FakeTimeProvider());
        var content = Bytes(ChunkBytes);
        var ticket = store.Begin("a.bin", content.Length, SHA256.HashData(content));

        var error = await Assert.ThrowsAsync<FileOperationException>(() => store.PutChunkAsync(ticket.UploadId, 0, new MemoryStream(content), new byte[32], CancellationToken.None));

        Assert.Equal("digest_mismatch", error.Code);
        Assert.Equal("chunk 0 does not match its sha-256 digest", error.Message);
        Assert.Empty(store.Status(ticket.UploadId).ReceivedChunks);
    }

    [Fact]
    public async Task CompleteAsync_WholeDigestDiffers_RefusedNothingInPlace()
    {
        using var files = new FilesHarness(options: Options());
        using var store = new UploadStore(files.Root, files.Options, new FakeTimeProvider());
        var content = Bytes(ChunkBytes);
        var ticket = store.Begin("a.bin", content.Length, new byte[32]);
        await PutAsync(store, ticket.UploadId, content, 0);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => store.CompleteAsync(ticket.UploadId, CancellationToken.None));

        Assert.Equal("digest_mismatch", error.Code);
        Assert.Equal("'a.bin' does not match the sha-256 given when the upload began", error.Message);
        Assert.False(File.Exists(files.Inside("a.bin")));
    }

    [Fact]
    public async Task CompleteAsync_ChunkMissing_RefusedNothingInPlace()
    {
        using var files = new FilesHarness(options: Options());
        using var store = new UploadStore(files.Root, files.Options, new FakeTimeProvider());
        var content = Bytes(2 * ChunkBytes);
        var ticket = store.Begin("a.bin", content.Length, SHA256.HashData(content));
        await PutAsync(store, ticket.UploadId, content, 1);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => store.CompleteAsync(ticket.UploadId, CancellationToken.None));

        Assert.Equal("invalid_argument", error.Code);
        Assert.Equal("1 of 2 chunks are still missing", error.Message);
        Assert.False(File.Exists(files.Inside("a.bin")));
    }

    [Fact]
    public void Begin_SizeOverQuota_RefusedBeforeFirstByte()
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(1000, []), options: Options());
        using var store = new UploadStore(files.Root, files.Options, new FakeTimeProvider());

        var error = Assert.Throws<FileOperationException>(() => store.Begin("big.bin", 1001, new byte[32]));

        Assert.Equal("quota_exceeded", error.Code);
        Assert.Equal("the disk quota of 1000 bytes would be exceeded (0 used, 1001 more needed)", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(files.Inside(UploadStore.StagingDirectory)));
        Assert.Equal(0, files.Root.Quota.Used);
    }

    [Fact]
    public void Begin_DeniedPath_RefusedDeniedByTemplate()
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(null, ["*.exe"]), options: Options());
        using var store = new UploadStore(files.Root, files.Options, new FakeTimeProvider());

        var error = Assert.Throws<FileOperationException>(() => store.Begin("tools/x.exe", 10, new byte[32]));

        Assert.Equal("denied_by_template", error.Code);
        Assert.Equal(0, files.Root.Quota.Used);
    }

    [Fact]
    public async Task RemoveExpired_After24Hours_StagingRemovedSpaceFreed()
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(10 * ChunkBytes, []), options: Options());
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        using var store = new UploadStore(files.Root, files.Options, time);
        var content = Bytes(2 * ChunkBytes);
        var ticket = store.Begin("a.bin", content.Length, SHA256.HashData(content));
        await PutAsync(store, ticket.UploadId, content, 0);

        time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(10));
        var usedBefore = files.Root.Quota.Used;
        time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(content.Length, usedBefore);
        Assert.Equal(0, files.Root.Quota.Used);
        Assert.Empty(Directory.EnumerateFileSystemEntries(files.Inside(UploadStore.StagingDirectory)));
        var error = Assert.Throws<FileOperationException>(() => store.Status(ticket.UploadId));
        Assert.Equal("not_found", error.Code);
        Assert.Equal($"upload '{ticket.UploadId}' does not exist (it completed, was aborted or expired)", error.Message);
    }

    [Fact]
    public void RemoveExpired_StagingDirectoryReplacedByLinkToOutside_OutsideUntouchedSpaceFreed()
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(10 * ChunkBytes, []), options: Options());
        var time = new FakeTimeProvider();
        using var store = new UploadStore(files.Root, files.Options, time);
        var ticket = store.Begin("a.bin", ChunkBytes, new byte[32]);
        File.Move(files.Inside(UploadStore.StagingDirectory, ticket.UploadId), files.Outside(ticket.UploadId));
        var outsideBefore = FilesHarness.Snapshot(files.OutsidePath);
        Directory.Delete(files.Inside(UploadStore.StagingDirectory));
        File.CreateSymbolicLink(files.Inside(UploadStore.StagingDirectory), files.OutsidePath);

        time.Advance(TimeSpan.FromHours(24));

        Assert.Equal(outsideBefore, FilesHarness.Snapshot(files.OutsidePath));
        Assert.Equal(0, files.Root.Quota.Used);
        Assert.Equal("not_found", Assert.Throws<FileOperationException>(() => store.Status(ticket.UploadId)).Code);
    }

    [Fact]
    public async Task PutChunkAsync_ConnectionDroppedMidChunk_ChunkNotCountedResentWhole()
    {
        using var files = new FilesHarness(options: Options());
        using var store = new UploadStore(files.Root, files.Options, new FakeTimeProvider());
        var content = Bytes(ChunkBytes);
        var ticket = store.Begin("a.bin", content.Length, SHA256.HashData(content));

        var error = await Assert.ThrowsAsync<FileOperationException>(() => store.PutChunkAsync(ticket.UploadId, 0, new MemoryStream(content, 0, 1000), SHA256.HashData(content), CancellationToken.None));
        await PutAsync(store, ticket.UploadId, content, 0);
        await store.CompleteAsync(ticket.UploadId, CancellationToken.None);

        Assert.Equal("chunk 0 must be 65536 bytes (got 1000)", error.Message);
        Assert.Equal(content, await File.ReadAllBytesAsync(files.Inside("a.bin")));
    }

    private static FilesOptions Options() => new() { UploadChunkBytes = ChunkBytes };

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static Task<UploadStatus> PutAsync(UploadStore store, string uploadId, byte[] content, int index)
    {
        var offset = index * ChunkBytes;
        var chunk = content.AsSpan(offset, Math.Min(ChunkBytes, content.Length - offset)).ToArray();
        return store.PutChunkAsync(uploadId, index, new MemoryStream(chunk), SHA256.HashData(chunk), CancellationToken.None);
    }
}
