using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Files;

public sealed class ConfinedRootArchiveTests
{
    public static TheoryData<string, string> HostileTars => new()
    {
        { "dot-dot", "archive refused: entry refused: '../escape.txt' climbs out with '..'" },
        { "absolute", "archive refused: entry refused: '/etc/zlh-escape' is an absolute path" },
        { "symlink-absolute", "archive refused: link 'escape' points to absolute path '/etc', outside the extraction directory" },
        { "symlink-relative-escape", "archive refused: link 'a/escape' points to '../../outside', outside the extraction directory" },
        { "write-through-symlink", "archive refused: 'inner/x.txt' would be written through link 'inner'" },
        { "hardlink-escape", "archive refused: hard link 'h' refused: '../outside/secret.txt' climbs out with '..'" },
        { "character-device", "archive refused: 'null' is a device node; archives may not create devices" },
        { "fifo", "archive refused: 'pipe' is a FIFO; archives may not create special files" },
    };

    [Theory]
    [MemberData(nameof(HostileTars))]
    public async Task ExtractAsync_HostileTarGz_RefusedNothingWritten(string hostile, string message)
    {
        using var files = new FilesHarness();
        await File.WriteAllBytesAsync(files.Inside("upload.tar.gz"), TestArchives.Build(tar =>
        {
            TestArchives.File(tar, "ok.txt", "fine", TestArchives.Readable);
            Write(tar, hostile);
        }));
        Directory.CreateDirectory(files.Inside("dest"));
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.ExtractAsync("upload.tar.gz", "dest", CancellationToken.None));

        Assert.Equal("unsafe_path", error.Code);
        Assert.Equal(message, error.Message);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
        files.AssertOutsideUnchanged();
    }

    [Theory]
    [InlineData("../escape.txt", "archive refused: entry refused: '../escape.txt' climbs out with '..'")]
    [InlineData("/tmp/escape.txt", "archive refused: entry refused: '/tmp/escape.txt' is an absolute path")]
    public async Task ExtractAsync_HostileZip_RefusedNothingWritten(string name, string message)
    {
        using var files = new FilesHarness();
        await File.WriteAllBytesAsync(files.Inside("upload.zip"), Zip(("ok.txt", "fine"), (name, "pwned")));
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.ExtractAsync("upload.zip", "/", CancellationToken.None));

        Assert.Equal("unsafe_path", error.Code);
        Assert.Equal(message, error.Message);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
        files.AssertOutsideUnchanged();
    }

    [Fact]
    public async Task ExtractAsync_LinkToOutsideAlreadyInDestination_RefusedAndWhatItCreatedRemoved()
    {
        // The archive is clean; the destination holds a link a tenant planted. Writing through it is refused by the
        // kernel-level walk, and the entries written before it are removed again.
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("dest"));
        File.CreateSymbolicLink(files.Inside("dest", "escape"), files.OutsidePath);
        await File.WriteAllBytesAsync(files.Inside("upload.tar.gz"), TestArchives.Build(tar =>
        {
            TestArchives.File(tar, "new/first.txt", "first", TestArchives.Readable);
            TestArchives.File(tar, "escape/pwned.txt", "pwned", TestArchives.Readable);
        }));
        files.Reopen(new FileRootPolicy(10_000, []));
        var before = FilesHarness.Snapshot(files.RootPath);
        var used = files.Root.Quota.Used;

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.ExtractAsync("upload.tar.gz", "dest", CancellationToken.None));

        Assert.Equal("unsafe_path", error.Code);
        Assert.Equal("'dest/escape/pwned.txt' goes through a symbolic link, which this operation never follows", error.Message);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
        Assert.Equal(used, files.Root.Quota.Used);
        files.AssertOutsideUnchanged();
    }

    [Fact]
    public async Task ExtractAsync_DeclaredSizeOverQuota_RefusedBeforeFirstByte()
    {
        using var files = new FilesHarness();
        await File.WriteAllBytesAsync(files.Inside("big.tar.gz"), TestArchives.Build(tar =>
        {
            TestArchives.File(tar, "a.bin", new string('a', 3000), TestArchives.Readable);
            TestArchives.File(tar, "b.bin", new string('b', 3000), TestArchives.Readable);
        }));
        files.Reopen(new FileRootPolicy(5000, []));
        var used = files.Root.Quota.Used;
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.ExtractAsync("big.tar.gz", "/", CancellationToken.None));

        Assert.Equal("quota_exceeded", error.Code);
        Assert.Equal($"the disk quota of 5000 bytes would be exceeded ({used} used, 6000 more needed)", error.Message);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
        Assert.Equal(used, files.Root.Quota.Used);
    }

    [Fact]
    public async Task ExtractAsync_DeniedEntry_RefusedNothingWritten()
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(null, ["eula.txt"]));
        await File.WriteAllBytesAsync(files.Inside("upload.tar.gz"), TestArchives.Build(tar =>
        {
            TestArchives.File(tar, "ok.txt", "fine", TestArchives.Readable);
            TestArchives.File(tar, "sub/eula.txt", "eula=true", TestArchives.Readable);
        }));
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.ExtractAsync("upload.tar.gz", "/", CancellationToken.None));

        Assert.Equal("denied_by_template", error.Code);
        Assert.Equal("'sub/eula.txt' is denied by the server's template", error.Message);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
    }

    [Fact]
    public async Task ExtractAsync_NotAnArchive_RefusedInvalidArchive()
    {
        using var files = new FilesHarness();
        await File.WriteAllTextAsync(files.Inside("notes.txt"), "just text");

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.ExtractAsync("notes.txt", "/", CancellationToken.None));

        Assert.Equal("invalid_archive", error.Code);
        Assert.Equal("'notes.txt' is neither a tar.gz nor a zip archive", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CompressAsync_ThenExtractAsync_RoundTripsFilesModesAndLinks(bool zip)
    {
        var format = zip ? ArchiveFormat.Zip : ArchiveFormat.TarGz;
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("world", "region"));
        File.WriteAllText(files.Inside("world", "level.dat"), "level");
        File.SetUnixFileMode(files.Inside("world", "level.dat"), (UnixFileMode)0x180);
        File.WriteAllText(files.Inside("world", "region", "r.mca"), "chunks");
        File.WriteAllText(files.Inside("server.properties"), "motd=hi");
        File.CreateSymbolicLink(files.Inside("world", "current"), "region");
        files.Reopen(FileRootPolicy.Unrestricted);

        var written = await files.Root.CompressAsync(["world", "/server.properties"], "backup.archive", format, CancellationToken.None);
        files.Root.MakeDirectory("restore");
        var extracted = await files.Root.ExtractAsync("backup.archive", "restore", CancellationToken.None);

        Assert.Equal(new FileInfo(files.Inside("backup.archive")).Length, written);
        Assert.Equal(18, extracted);
        var original = FilesHarness.Snapshot(files.Inside("world"));
        if (format == ArchiveFormat.Zip)
        {
            // Zip has no portable link: links are left out.
            original.Remove("current");
        }

        Assert.Equal(original, FilesHarness.Snapshot(files.Inside("restore", "world")));
        Assert.Equal("motd=hi", File.ReadAllText(files.Inside("restore", "server.properties")));
    }

    [Fact]
    public async Task CompressAsync_DestinationInsidePackedTree_DoesNotPackItself()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("world"));
        File.WriteAllText(files.Inside("world", "level.dat"), "level");

        await files.Root.CompressAsync(["world"], "world/backup.tar.gz", ArchiveFormat.TarGz, CancellationToken.None);

        Assert.Equal(["world/", "world/level.dat"], await TarNamesAsync(files.Inside("world", "backup.tar.gz")));
    }

    [Fact]
    public async Task CompressAsync_OverQuota_RefusedNothingLeft()
    {
        using var files = new FilesHarness();
        var random = new byte[4096];
        new Random(16).NextBytes(random);
        File.WriteAllBytes(files.Inside("noise.bin"), random);
        files.Reopen(new FileRootPolicy(5000, []));
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.CompressAsync(["noise.bin"], "noise.zip", ArchiveFormat.Zip, CancellationToken.None));

        Assert.Equal("quota_exceeded", error.Code);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
        Assert.Equal(4096, files.Root.Quota.Used);
    }

    [Fact]
    public async Task CompressAsync_MissingPath_RefusedNotFoundNothingLeft()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("a.txt"), "a");

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.CompressAsync(["a.txt", "missing"], "out.tar.gz", ArchiveFormat.TarGz, CancellationToken.None));

        Assert.Equal("not_found", error.Code);
        Assert.Equal("'missing' does not exist", error.Message);
        Assert.Equal(["a.txt"], FilesHarness.Snapshot(files.RootPath).Keys);
    }

    private static void Write(TarWriter tar, string hostile)
    {
        switch (hostile)
        {
            case "dot-dot":
                TestArchives.File(tar, "../escape.txt", "x", TestArchives.Readable);
                break;
            case "absolute":
                TestArchives.File(tar, "/etc/zlh-escape", "x", TestArchives.Readable);
                break;
            case "symlink-absolute":
                TestArchives.Link(tar, "escape", "/etc");
                break;
            case "symlink-relative-escape":
                TestArchives.Link(tar, "a/escape", "../../outside");
                break;
            case "write-through-symlink":
                TestArchives.Link(tar, "inner", "ok.txt");
                TestArchives.File(tar, "inner/x.txt", "x", TestArchives.Readable);
                break;
            case "hardlink-escape":
                tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "h") { LinkName = "../outside/secret.txt" });
                break;
            case "character-device":
                tar.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "null") { DeviceMajor = 1, DeviceMinor = 3 });
                break;
            case "fifo":
                tar.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "pipe"));
                break;
        }
    }

    private static byte[] Zip(params (string Name, string Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }

        return buffer.ToArray();
    }

    private static async Task<List<string>> TarNamesAsync(string path)
    {
        await using var file = File.OpenRead(path);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        var names = new List<string>();
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }
}
