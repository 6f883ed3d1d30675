using ZlhGrind.Agent.Files;

namespace ZlhGrind.Agent.Tests.Files;

public sealed class ConfinedRootTests
{
    [Fact]
    public void List_FileDirectoryAndLink_DescribesEachLinkAsLink()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("server.properties"), "motd=hi");
        File.SetUnixFileMode(files.Inside("server.properties"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(files.Inside("world"));
        File.CreateSymbolicLink(files.Inside("escape"), files.OutsidePath);
        File.SetLastWriteTimeUtc(files.Inside("server.properties"), new DateTime(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc));

        var entries = files.Root.List("/");

        Assert.Equal(["escape", "server.properties", "world"], entries.Select(e => e.Name));
        Assert.Equal(new FileEntry("escape", FileEntryKind.Link, 0, 0x1FF, entries[0].Modified, files.OutsidePath), entries[0]);
        Assert.Equal(new FileEntry("server.properties", FileEntryKind.File, 7, 0x180, new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero), null), entries[1]);
        Assert.Equal(FileEntryKind.Directory, entries[2].Kind);
    }

    [Fact]
    public async Task OpenRead_File_SeekableStreamWithLength()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("logs"));
        File.WriteAllText(files.Inside("logs", "latest.log"), "0123456789");

        var content = files.Root.OpenRead("logs/latest.log");
        await using var stream = content.Stream;
        stream.Seek(4, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);

        Assert.Equal(10, content.Length);
        Assert.Equal("456789", await reader.ReadToEndAsync());
    }

    [Fact]
    public void OpenRead_Directory_RefusedIsADirectory()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("world"));

        var error = Assert.Throws<FileOperationException>(() => files.Root.OpenRead("world"));

        Assert.Equal("is_a_directory", error.Code);
        Assert.Equal("'world' is a directory", error.Message);
    }

    [Theory]
    [InlineData("../outside/secret.txt", "path refused: '../outside/secret.txt' climbs out with '..'")]
    [InlineData("world/../../x", "path refused: 'world/../../x' climbs out with '..'")]
    public async Task WriteAsync_DotDotPath_RefusedUnsafePathNothingWritten(string path, string message)
    {
        using var files = new FilesHarness();

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.WriteAsync(path, FilesHarness.Text("x"), CancellationToken.None));

        Assert.Equal("unsafe_path", error.Code);
        Assert.Equal(message, error.Message);
        Assert.Empty(FilesHarness.Snapshot(files.RootPath));
        files.AssertOutsideUnchanged();
    }

    [Fact]
    public async Task WriteAsync_ExistingFile_ReplacedKeepingModeNoTemporaryLeft()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("start.sh"), "old content");
        File.SetUnixFileMode(files.Inside("start.sh"), (UnixFileMode)0x1ED);
        files.Reopen(new FileRootPolicy(1000, []));

        var written = await files.Root.WriteAsync("/start.sh", FilesHarness.Text("new"), CancellationToken.None);

        Assert.Equal(3, written);
        Assert.Equal(new Dictionary<string, string> { ["start.sh"] = "file:" + (UnixFileMode)0x1ED + ":new" }, FilesHarness.Snapshot(files.RootPath));
        Assert.Equal(3, files.Root.Quota.Used);
    }

    [Fact]
    public async Task WriteAsync_LargerThanMaxWriteBytes_RefusedTooLargeNothingWritten()
    {
        using var files = new FilesHarness(options: new FilesOptions { MaxWriteBytes = 10 });

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.WriteAsync("big.bin", new MemoryStream(new byte[11]), CancellationToken.None));

        Assert.Equal("too_large", error.Code);
        Assert.Equal("'big.bin' is larger than 10 bytes", error.Message);
        Assert.Empty(FilesHarness.Snapshot(files.RootPath));
        Assert.Equal(0, files.Root.Quota.Used);
    }

    [Fact]
    public async Task WriteAsync_OverQuota_RefusedQuotaExceededOldContentKept()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("a.txt"), "12345");
        files.Reopen(new FileRootPolicy(8, []));

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.WriteAsync("a.txt", new MemoryStream(new byte[4]), CancellationToken.None));

        Assert.Equal("quota_exceeded", error.Code);
        Assert.Equal("the disk quota of 8 bytes would be exceeded (5 used, 4 more needed)", error.Message);
        Assert.Equal(new Dictionary<string, string> { ["a.txt"] = "file:" + File.GetUnixFileMode(files.Inside("a.txt")) + ":12345" }, FilesHarness.Snapshot(files.RootPath));
        Assert.Equal(5, files.Root.Quota.Used);
    }

    [Theory]
    [InlineData("logs/latest.log")]
    [InlineData("config/secret.yml")]
    [InlineData("deep/config/x")]
    public async Task WriteAsync_DeniedByTemplate_RefusedNothingWritten(string path)
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(null, ["# comment", "*.log", "config/", "!keep.log"]));
        Directory.CreateDirectory(files.Inside("logs"));
        Directory.CreateDirectory(files.Inside("deep", "config"));
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.WriteAsync(path, FilesHarness.Text("x"), CancellationToken.None));

        Assert.Equal("denied_by_template", error.Code);
        Assert.Equal($"'{path}' is denied by the server's template", error.Message);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
    }

    [Fact]
    public async Task WriteAsync_NegatedPattern_Allowed()
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(null, ["*.log", "!keep.log"]));

        await files.Root.WriteAsync("keep.log", FilesHarness.Text("x"), CancellationToken.None);

        Assert.True(File.Exists(files.Inside("keep.log")));
    }

    [Fact]
    public void MakeDirectory_Existing_RefusedExists()
    {
        using var files = new FilesHarness();
        files.Root.MakeDirectory("plugins");

        var error = Assert.Throws<FileOperationException>(() => files.Root.MakeDirectory("/plugins/"));

        Assert.Equal("exists", error.Code);
        Assert.Equal("'/plugins/' already exists", error.Message);
        Assert.True(Directory.Exists(files.Inside("plugins")));
    }

    [Fact]
    public void Rename_NoReplaceOntoExisting_RefusedBothKept()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("a.txt"), "a");
        File.WriteAllText(files.Inside("b.txt"), "b");
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = Assert.Throws<FileOperationException>(() => files.Root.Rename("a.txt", "b.txt", noReplace: true));

        Assert.Equal("exists", error.Code);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
    }

    [Fact]
    public void Rename_OntoDeniedName_RefusedDeniedByTemplate()
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(null, ["/eula.txt"]));
        File.WriteAllText(files.Inside("a.txt"), "a");

        var error = Assert.Throws<FileOperationException>(() => files.Root.Rename("a.txt", "eula.txt", noReplace: false));

        Assert.Equal("denied_by_template", error.Code);
        Assert.True(File.Exists(files.Inside("a.txt")));
        Assert.False(File.Exists(files.Inside("eula.txt")));
    }

    [Fact]
    public void Rename_DirectoryHoldingWhatWouldBeDenied_RefusedNothingMoved()
    {
        using var files = new FilesHarness(policy: new FileRootPolicy(null, ["/b/eula.txt"]));
        Directory.CreateDirectory(files.Inside("a"));
        File.WriteAllText(files.Inside("a", "eula.txt"), "eula=true");
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = Assert.Throws<FileOperationException>(() => files.Root.Rename("a", "b", noReplace: true));

        Assert.Equal("denied_by_template", error.Code);
        Assert.Equal("'b/eula.txt' is denied by the server's template", error.Message);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
    }

    [Fact]
    public void Rename_ReplacingFile_MovesAndFreesReplacedBytes()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("old"));
        File.WriteAllText(files.Inside("a.txt"), "aa");
        File.WriteAllText(files.Inside("old", "b.txt"), "bbbb");
        files.Reopen(new FileRootPolicy(100, []));

        files.Root.Rename("a.txt", "old/b.txt", noReplace: false);

        Assert.Equal("aa", File.ReadAllText(files.Inside("old", "b.txt")));
        Assert.False(File.Exists(files.Inside("a.txt")));
        Assert.Equal(2, files.Root.Quota.Used);
    }

    [Fact]
    public async Task CopyAsync_Tree_FilesModesAndLinksCopied()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("world", "region"));
        File.WriteAllText(files.Inside("world", "level.dat"), "level");
        File.WriteAllText(files.Inside("world", "region", "r.mca"), "chunks");
        File.SetUnixFileMode(files.Inside("world", "level.dat"), (UnixFileMode)0x180);
        File.CreateSymbolicLink(files.Inside("world", "current"), "region");
        files.Reopen(new FileRootPolicy(100, []));

        files.Root.MakeDirectory("backup");
        await files.Root.CopyAsync("world", "backup/world", CancellationToken.None);

        var original = FilesHarness.Snapshot(files.Inside("world"));
        Assert.Equal(original, FilesHarness.Snapshot(files.Inside("backup", "world")));
        Assert.Equal(4, original.Count);
        Assert.Equal(22, files.Root.Quota.Used);
    }

    [Fact]
    public async Task CopyAsync_OverQuota_RefusedNothingLeft()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("world"));
        File.WriteAllText(files.Inside("world", "a"), "aaaa");
        File.WriteAllText(files.Inside("world", "b"), "bbbb");
        files.Reopen(new FileRootPolicy(12, []));
        var before = FilesHarness.Snapshot(files.RootPath);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.CopyAsync("world", "world2", CancellationToken.None));

        Assert.Equal("quota_exceeded", error.Code);
        Assert.Equal(before, FilesHarness.Snapshot(files.RootPath));
        Assert.Equal(8, files.Root.Quota.Used);
    }

    [Fact]
    public async Task CopyAsync_IntoOwnSubtree_CopiedOnce()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("a"));
        File.WriteAllText(files.Inside("a", "f"), "f");

        await files.Root.CopyAsync("a", "a/copy", CancellationToken.None);

        Assert.Equal(["a/copy", "a/copy/f", "a/f"], FilesHarness.Snapshot(files.RootPath).Keys.Where(k => k != "a").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Delete_Root_RefusedInvalidPath()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("a.txt"), "a");

        var error = Assert.Throws<FileOperationException>(() => files.Root.Delete("/"));

        Assert.Equal("invalid_path", error.Code);
        Assert.Equal("the root itself cannot be the target of this operation", error.Message);
        Assert.True(File.Exists(files.Inside("a.txt")));
    }

    [Fact]
    public void Delete_Missing_RefusedNotFound()
    {
        using var files = new FilesHarness();

        var error = Assert.Throws<FileOperationException>(() => files.Root.Delete("nope/x"));

        Assert.Equal("not_found", error.Code);
        Assert.Equal("'nope/x' does not exist", error.Message);
    }

    [Fact]
    public void ChangeMode_File_ModeSet()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("start.sh"), "#!/bin/sh");

        files.Root.ChangeMode("start.sh", 0x1ED);

        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(files.Inside("start.sh")));
    }

    [Fact]
    public void ChangeMode_SetUidBit_RefusedInvalidArgumentModeUnchanged()
    {
        using var files = new FilesHarness();
        File.WriteAllText(files.Inside("start.sh"), "#!/bin/sh");
        var before = File.GetUnixFileMode(files.Inside("start.sh"));

        var error = Assert.Throws<FileOperationException>(() => files.Root.ChangeMode("start.sh", 0x9ED));

        Assert.Equal("invalid_argument", error.Code);
        Assert.Equal("mode must be between 0 and 0777 (got 4755)", error.Message);
        Assert.Equal(before, File.GetUnixFileMode(files.Inside("start.sh")));
    }

    [Fact]
    public void Open_ForceWalk_ResolvesByWalk()
    {
        using var files = new FilesHarness(forceWalk: true);
        using var withOpenat2 = ConfinedRoot.Open(files.RootPath, files.Options, FileRootPolicy.Unrestricted);

        Assert.True(files.Root.UsesWalk);
        Assert.False(withOpenat2.UsesWalk);
    }

    [Fact]
    public void List_InRootLinkToDirectory_FollowedWithOpenat2RefusedByWalk()
    {
        using var files = new FilesHarness();
        Directory.CreateDirectory(files.Inside("worlds", "a"));
        File.WriteAllText(files.Inside("worlds", "a", "level.dat"), "x");
        File.CreateSymbolicLink(files.Inside("world"), "worlds/a");
        using var walk = ConfinedRoot.Open(files.RootPath, files.Options, FileRootPolicy.Unrestricted, forceWalk: true);

        Assert.Equal(["level.dat"], files.Root.List("world").Select(e => e.Name));
        Assert.Equal("unsafe_path", Assert.Throws<FileOperationException>(() => walk.List("world")).Code);
    }
}
