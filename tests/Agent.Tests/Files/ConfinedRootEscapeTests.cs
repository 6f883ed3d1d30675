using Microsoft.Win32.SafeHandles;
using ZlhGrind.Agent.Files;

namespace ZlhGrind.Agent.Tests.Files;

/// <summary>
/// The published escapes of Pterodactyl Wings' file manager, performed against <see cref="ConfinedRoot"/> with openat2 and
/// with the forced O_NOFOLLOW walk: each is refused with its exact code, and nothing outside the root changes.
/// </summary>
public sealed class ConfinedRootEscapeTests
{
    private const int RenameExchange = 0x2;
    private const int RaceOperations = 1000;

    public static TheoryData<bool> Resolvers => new() { false, true };

    [Theory]
    [MemberData(nameof(Resolvers))]
    public async Task WriteAsync_ThroughDirectoryLinkToOutside_RefusedNothingCreatedOutside(bool forceWalk)
    {
        // CVE-2023-25152: a file created through a symlink that points outside the server's directory.
        using var files = new FilesHarness(forceWalk);
        File.CreateSymbolicLink(files.Inside("escape"), files.OutsidePath);

        var error = await Assert.ThrowsAsync<FileOperationException>(() => files.Root.WriteAsync("escape/pwned.txt", FilesHarness.Text("x"), CancellationToken.None));

        Assert.Equal(files.EscapeCode, error.Code);
        Assert.Equal(forceWalk ? "'escape/pwned.txt' goes through a symbolic link, which this operation never follows" : "'escape/pwned.txt' resolves outside the root", error.Message);
        files.AssertOutsideUnchanged();
        Assert.Equal(0, files.Root.Quota.Used);
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public async Task WriteAsync_OntoFileLinkToOutside_ReplacesTheLinkItselfOutsideUnchanged(bool forceWalk)
    {
        using var files = new FilesHarness(forceWalk);
        File.CreateSymbolicLink(files.Inside("server.properties"), files.Outside("secret.txt"));

        var written = await files.Root.WriteAsync("server.properties", FilesHarness.Text("motd=hi"), CancellationToken.None);

        Assert.Equal(7, written);
        Assert.Null(new FileInfo(files.Inside("server.properties")).LinkTarget);
        Assert.Equal("motd=hi", await File.ReadAllTextAsync(files.Inside("server.properties")));
        files.AssertOutsideUnchanged();
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public void Delete_ThroughDirectoryLinkToOutside_RefusedOutsideUnchanged(bool forceWalk)
    {
        // CVE-2023-25168: a recursive delete reaching the host through a symlink.
        using var files = new FilesHarness(forceWalk);
        File.CreateSymbolicLink(files.Inside("escape"), files.OutsidePath);

        var error = Assert.Throws<FileOperationException>(() => files.Root.Delete("escape/sub"));

        Assert.Equal(files.EscapeCode, error.Code);
        files.AssertOutsideUnchanged();
        Assert.Equal(files.OutsidePath, new FileInfo(files.Inside("escape")).LinkTarget);
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public void Delete_DirectoryHoldingLinksToOutside_RemovesTheLinksNotTheirTargets(bool forceWalk)
    {
        using var files = new FilesHarness(forceWalk);
        Directory.CreateDirectory(files.Inside("world", "region"));
        File.WriteAllText(files.Inside("world", "region", "r.0.0.mca"), "chunk");
        File.CreateSymbolicLink(files.Inside("world", "escape"), files.OutsidePath);
        File.CreateSymbolicLink(files.Inside("world", "region", "secret"), files.Outside("secret.txt"));
        files.Reopen(FileRootPolicy.Unrestricted);

        files.Root.Delete("world");

        Assert.False(Path.Exists(files.Inside("world")));
        files.AssertOutsideUnchanged();
        Assert.Equal(0, files.Root.Quota.Used);
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public void Delete_LinkToOutsideDirectory_RemovesOnlyTheLink(bool forceWalk)
    {
        using var files = new FilesHarness(forceWalk);
        File.CreateSymbolicLink(files.Inside("escape"), files.OutsidePath);

        files.Root.Delete("escape");

        Assert.False(Path.Exists(files.Inside("escape")));
        files.AssertOutsideUnchanged();
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public void ChangeMode_LinkToOutsideFile_RefusedOutsideModeUnchanged(bool forceWalk)
    {
        // GHSA-rhq6-9rgh-v45c: chmod following a link to a host file.
        using var files = new FilesHarness(forceWalk);
        File.CreateSymbolicLink(files.Inside("secret"), files.Outside("secret.txt"));

        var error = Assert.Throws<FileOperationException>(() => files.Root.ChangeMode("secret", 0x1FF));

        Assert.Equal("unsafe_path", error.Code);
        Assert.Equal("'secret' is a symbolic link; chmod never follows links", error.Message);
        files.AssertOutsideUnchanged();
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public void ChangeMode_ThroughDirectoryLinkToOutside_RefusedOutsideModeUnchanged(bool forceWalk)
    {
        using var files = new FilesHarness(forceWalk);
        File.CreateSymbolicLink(files.Inside("escape"), files.OutsidePath);

        var error = Assert.Throws<FileOperationException>(() => files.Root.ChangeMode("escape/secret.txt", 0x1FF));

        Assert.Equal(files.EscapeCode, error.Code);
        files.AssertOutsideUnchanged();
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public void OpenRead_LinkToOutsideFile_RefusedNothingRead(bool forceWalk)
    {
        using var files = new FilesHarness(forceWalk);
        File.CreateSymbolicLink(files.Inside("secret"), files.Outside("secret.txt"));

        var error = Assert.Throws<FileOperationException>(() => files.Root.OpenRead("secret"));

        Assert.Equal(files.EscapeCode, error.Code);
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public async Task CopyAsync_LinkToOutsideDirectory_CopiesTheLinkNotTheTree(bool forceWalk)
    {
        using var files = new FilesHarness(forceWalk);
        Directory.CreateDirectory(files.Inside("mods"));
        File.CreateSymbolicLink(files.Inside("mods", "escape"), files.OutsidePath);

        await files.Root.CopyAsync("mods", "mods-copy", CancellationToken.None);

        Assert.Equal(files.OutsidePath, new FileInfo(files.Inside("mods-copy", "escape")).LinkTarget);
        Assert.Equal(0, files.Root.Quota.Used);
        files.AssertOutsideUnchanged();
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public async Task Operations_DirectorySwappedForLinkToOutsideInALoop_NeverTouchOutside(bool forceWalk)
    {
        // CVE-2024-27102: a check-then-use race. A thread swaps "flip" between a real directory and a link to the
        // outside (renameat2 RENAME_EXCHANGE, atomic) for as long as 1,000 operations run through it.
        using var files = new FilesHarness(forceWalk);
        Directory.CreateDirectory(files.Inside("flip"));
        File.WriteAllText(files.Inside("flip", "secret.txt"), "inside");
        File.CreateSymbolicLink(files.Inside("other"), files.OutsidePath);
        using var racer = new Racer(files.RootPath);
        racer.Started.Wait();

        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < RaceOperations; i++)
        {
            var outcome = "ok";
            try
            {
                switch (i % 4)
                {
                    case 0:
                        var content = files.Root.OpenRead("flip/secret.txt");
                        await using (content.Stream)
                        {
                            using var reader = new StreamReader(content.Stream);
                            Assert.Equal("inside", await reader.ReadToEndAsync());
                        }

                        break;
                    case 1:
                        await files.Root.WriteAsync("flip/new.txt", FilesHarness.Text("new"), CancellationToken.None);
                        break;
                    case 2:
                        files.Root.ChangeMode("flip/secret.txt", 0x180);
                        break;
                    default:
                        files.Root.Delete("flip/new.txt");
                        break;
                }
            }
            catch (FileOperationException ex)
            {
                outcome = ex.Code;
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        racer.Stop();
        Assert.True(racer.Swaps > 0);
        Assert.Empty(outcomes.Keys.Except(["ok", "not_found", files.EscapeCode], StringComparer.Ordinal));
        files.AssertOutsideUnchanged();
    }

    /// <summary>Swaps root/flip and root/other (a directory and a link to outside) in a loop on its own thread.</summary>
    private sealed class Racer : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;

        public Racer(string root)
        {
            var fd = FileSyscalls.OpenAt(new SafeFileHandle(-100, ownsHandle: false), root, FileSyscalls.ODirectory | FileSyscalls.OCloseOnExec, 0, out _);
            var directory = new SafeFileHandle(fd, ownsHandle: true);
            _thread = new Thread(() =>
            {
                using (directory)
                {
                    while (!_stop)
                    {
                        if (FileSyscalls.Rename(directory, "flip", directory, "other", RenameExchange) == 0)
                        {
                            Swaps++;
                        }

                        Started.Set();
                    }
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public ManualResetEventSlim Started { get; } = new();

        public int Swaps { get; private set; }

        public void Stop()
        {
            _stop = true;
            _thread.Join();
        }

        public void Dispose()
        {
            Stop();
            Started.Dispose();
        }
    }
}
