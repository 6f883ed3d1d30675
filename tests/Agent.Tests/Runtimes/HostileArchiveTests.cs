using System.Formats.Tar;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Runtimes;

public sealed class HostileArchiveTests
{
    private static readonly string Marker = "zlh-escape-" + Guid.NewGuid().ToString("N");

    public static TheoryData<string, string> Cases => new()
    {
        { "dot-dot", "climbs out with '..'" },
        { "dot-dot-nested", "climbs out with '..'" },
        { "absolute", "is an absolute path" },
        { "symlink-absolute", "points to absolute path" },
        { "symlink-relative-escape", "outside the install directory" },
        { "symlink-chain-escape", "resolves outside the install directory through other links" },
        { "write-through-symlink", "would be written through link" },
        { "hardlink-escape", "climbs out with '..'" },
        { "character-device", "is a device node" },
        { "block-device", "is a device node" },
        { "fifo", "is a FIFO" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InstallAsync_HostileArchive_RefusedNothingWrittenOutsidePreviousWorks(string hostile, string reason)
    {
        await using var harness = await InstallerHarness.StartAsync();
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0")), CancellationToken.None);
        var entry = harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.RuntimeWith("2.0.0", tar => Write(tar, hostile)));

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.InstallAsync(entry, CancellationToken.None));

        Assert.Equal(InstallFailure.UnsafeArchive, error.Failure);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(harness.Root.Path, Marker + "*", SearchOption.AllDirectories));
        Assert.False(Path.Exists("/etc/" + Marker));
        Assert.False(Path.Exists(Path.Combine(Path.GetTempPath(), Marker)));
        await RuntimeInstallerTests.AssertOnlyVersionOneRemainsAsync(harness);
    }

    [Fact]
    public async Task ExtractAsync_LinksThatStayInside_AreKept()
    {
        using var root = new TempDirectory();
        var archive = root.Combine("ok.tar.gz");
        await File.WriteAllBytesAsync(archive, TestArchives.Build(tar =>
        {
            tar.WriteEntry(new PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = "made by git archive" }));
            TestArchives.Directory(tar, "lib/deep/");
            TestArchives.File(tar, "lib/deep/real.txt", "real", TestArchives.Readable);
            TestArchives.Link(tar, "bin/npm", "../lib/deep/real.txt");
            tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "lib/copy.txt") { LinkName = "lib/deep/real.txt" });
        }));
        var extractor = new SafeTarExtractor(Microsoft.Extensions.Options.Options.Create(new RuntimeInstallOptions()));

        await extractor.ExtractAsync(archive, root.Combine("target"), CancellationToken.None);

        Assert.Equal("real", await File.ReadAllTextAsync(root.Combine("target", "bin", "npm")));
        Assert.Equal("real", await File.ReadAllTextAsync(root.Combine("target", "lib", "copy.txt")));
    }

    [Fact]
    public async Task ExtractAsync_TooManyBytes_Refused()
    {
        using var root = new TempDirectory();
        var archive = root.Combine("bomb.tar.gz");
        await File.WriteAllBytesAsync(archive, TestArchives.Build(tar =>
            TestArchives.File(tar, "big.bin", new string('z', 10_000), TestArchives.Readable)));
        var extractor = new SafeTarExtractor(Microsoft.Extensions.Options.Options.Create(new RuntimeInstallOptions { MaxExtractedBytes = 4096 }));

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => extractor.ExtractAsync(archive, root.Combine("target"), CancellationToken.None));

        Assert.Contains("unpacks to more than 4096 bytes", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(root.Combine("target", "big.bin")));
    }

    private static void Write(TarWriter tar, string hostile)
    {
        switch (hostile)
        {
            case "dot-dot":
                TestArchives.File(tar, "../" + Marker, "escaped", TestArchives.Readable);
                break;
            case "dot-dot-nested":
                TestArchives.File(tar, "bin/../../../" + Marker, "escaped", TestArchives.Readable);
                break;
            case "absolute":
                TestArchives.File(tar, "/etc/" + Marker, "escaped", TestArchives.Readable);
                break;
            case "symlink-absolute":
                TestArchives.Link(tar, "bin/" + Marker, "/etc/passwd");
                break;
            case "symlink-relative-escape":
                TestArchives.Link(tar, "bin/" + Marker, "../../../../../../../../tmp/" + Marker);
                break;
            case "symlink-chain-escape":
                // Each link alone stays inside by its text; together they leave: a/b -> ../c is c, but a/b/../.. walks c/../.. = above the root.
                TestArchives.Directory(tar, "a/");
                TestArchives.Directory(tar, "c/");
                TestArchives.Link(tar, "a/b", "../c");
                TestArchives.Link(tar, Marker, "a/b/../..");
                break;
            case "write-through-symlink":
                TestArchives.Directory(tar, "lib/");
                TestArchives.Link(tar, "libs", "lib");
                TestArchives.File(tar, "libs/" + Marker, "through a link", TestArchives.Readable);
                break;
            case "hardlink-escape":
                tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "bin/" + Marker) { LinkName = "../../../../etc/passwd" });
                break;
            case "character-device":
                tar.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "dev/" + Marker) { DeviceMajor = 1, DeviceMinor = 3 });
                break;
            case "block-device":
                tar.WriteEntry(new PaxTarEntry(TarEntryType.BlockDevice, "dev/" + Marker) { DeviceMajor = 8, DeviceMinor = 0 });
                break;
            case "fifo":
                tar.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "dev/" + Marker));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(hostile), hostile, "unknown hostile case");
        }
    }
}
