using System.Diagnostics;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.Tests.Runtimes;

public sealed class RuntimeInstallerTests
{
    [Fact]
    public async Task InstallAsync_ValidRuntime_InstallsVerifiesAndActivates()
    {
        await using var harness = await InstallerHarness.StartAsync();
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));

        var result = await harness.Installer.InstallAsync(entry, CancellationToken.None);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal("tool 1.0.0", result.VerifyOutput);
        Assert.Equal([new InstalledRuntime("tool", "1.0.0", true)], harness.Installer.Installed());
        Assert.Equal("tool 1.0.0", await harness.RunActiveToolAsync("tool"));
        var installed = harness.Layout.VersionDirectory("tool", "1.0.0");
        Assert.Equal("tool", new FileInfo(Path.Combine(installed, "bin", "tool-alias")).LinkTarget);
        Assert.Equal(["1.0.0"], Directory.GetDirectories(harness.Layout.RuntimeDirectory("tool")).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(harness.Layout.TempRoot));
        Assert.Null(harness.Installer.Progress());
    }

    [Fact]
    public async Task InstallAsync_WhileDownloading_ReportsProgress()
    {
        await using var harness = await InstallerHarness.StartAsync();
        var content = TestArchives.Build(tar =>
        {
            TestArchives.File(tar, "bin/tool", "#!/bin/sh\necho \"tool 1.0.0\"\n", TestArchives.Executable);
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "lib/blob.bin")
            {
                Mode = TestArchives.Readable,
                DataStream = new MemoryStream(System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000)),
            });
        });
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", content, ArtifactBehavior.PauseMidBody);
        var half = content.Length / 2L;

        var install = harness.Installer.InstallAsync(entry, CancellationToken.None);
        var progress = await Wait.UntilAsync(
            () => harness.Installer.Progress() is { BytesDone: var done } seen && done == half ? seen : null,
            TimeSpan.FromSeconds(20),
            "download progress at half the artifact");
        harness.Server.ResumePaused();
        var result = await install;

        Assert.Equal(("tool", "1.0.0", "downloading", content.LongLength), (progress.Runtime, progress.Version, progress.Phase, progress.BytesTotal));
        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Null(harness.Installer.Progress());
    }

    [Fact]
    public async Task InstallAsync_SameEntryTwice_SecondIsNoOp()
    {
        await using var harness = await InstallerHarness.StartAsync();
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));
        await harness.Installer.InstallAsync(entry, CancellationToken.None);

        var second = await harness.Installer.InstallAsync(entry, CancellationToken.None);

        Assert.Equal(InstallOutcome.AlreadyActive, second.Outcome);
        Assert.Equal(1, harness.Server.RequestsFor(new Uri(entry.ArtifactUrl)));
    }

    [Fact]
    public async Task InstallAsync_ConcurrentRequests_InstallOnce()
    {
        await using var harness = await InstallerHarness.StartAsync();
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => harness.Installer.InstallAsync(entry, CancellationToken.None))));

        Assert.Equal(1, harness.Server.RequestsFor(new Uri(entry.ArtifactUrl)));
        Assert.Single(results, result => result.Outcome == InstallOutcome.Installed);
        Assert.Equal(5, results.Count(result => result.Outcome == InstallOutcome.AlreadyActive));
    }

    [Fact]
    public async Task InstallAsync_AfterAgentRestart_KnowsWhatIsInstalled()
    {
        await using var harness = await InstallerHarness.StartAsync();
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));
        await harness.Installer.InstallAsync(entry, CancellationToken.None);

        var restarted = harness.CreateInstaller();
        restarted.Load();
        var again = await restarted.InstallAsync(entry, CancellationToken.None);

        Assert.Equal([new InstalledRuntime("tool", "1.0.0", true)], restarted.Installed());
        Assert.Equal(InstallOutcome.AlreadyActive, again.Outcome);
        Assert.Equal(1, harness.Server.RequestsFor(new Uri(entry.ArtifactUrl)));
    }

    [Fact]
    public async Task InstallAsync_HashMismatch_RefusedWithoutRetryAndPreviousStillWorks()
    {
        await using var harness = await InstallerHarness.StartAsync();
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0")), CancellationToken.None);
        var bad = harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.Runtime("2.0.0"), sha256: new string('a', 64));

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.InstallAsync(bad, CancellationToken.None));

        Assert.Equal(InstallFailure.HashMismatch, error.Failure);
        Assert.Contains("but the catalog says " + new string('a', 64), error.Message, StringComparison.Ordinal);
        Assert.Equal(1, harness.Server.RequestsFor(new Uri(bad.ArtifactUrl)));
        await AssertOnlyVersionOneRemainsAsync(harness);
    }

    [Fact]
    public async Task InstallAsync_OversizedArtifact_RefusedAndPreviousStillWorks()
    {
        await using var harness = await InstallerHarness.StartAsync();
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0")), CancellationToken.None);
        var bad = harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.Runtime("2.0.0"), ArtifactBehavior.Oversize);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.InstallAsync(bad, CancellationToken.None));

        Assert.Equal(InstallFailure.TooLarge, error.Failure);
        Assert.Contains($"larger than the {bad.SizeBytes} bytes the catalog declares", error.Message, StringComparison.Ordinal);
        await AssertOnlyVersionOneRemainsAsync(harness);
    }

    [Fact]
    public async Task InstallAsync_ArtifactAboveAgentCap_RefusedBeforeAnyRequest()
    {
        await using var harness = await InstallerHarness.StartAsync(options => options.MaxArtifactBytes = 1024);
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0") is var bytes && bytes.Length > 1024 ? bytes : [.. bytes, .. new byte[2048]]);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.InstallAsync(entry, CancellationToken.None));

        Assert.Equal(InstallFailure.InvalidEntry, error.Failure);
        Assert.Contains("exceeds the agent's cap of 1024 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, harness.Server.TotalRequests);
    }

    [Fact]
    public async Task InstallAsync_ServerClosesMidBody_RetriedThenFailsCleanly()
    {
        await using var harness = await InstallerHarness.StartAsync(options => options.MaxDownloadAttempts = 3);
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0")), CancellationToken.None);
        var bad = harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.Runtime("2.0.0"), ArtifactBehavior.CloseMidBody);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.InstallAsync(bad, CancellationToken.None));

        Assert.Equal(InstallFailure.DownloadFailed, error.Failure);
        Assert.Contains("failed after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, harness.Server.RequestsFor(new Uri(bad.ArtifactUrl)));
        Assert.Empty(Directory.GetFiles(harness.Layout.TempRoot));
        await AssertOnlyVersionOneRemainsAsync(harness);
    }

    [Fact]
    public async Task InstallAsync_VerifyCommandFails_NotInstalledAndPreviousStillActive()
    {
        await using var harness = await InstallerHarness.StartAsync();
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0")), CancellationToken.None);
        var broken = harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.Runtime("2.0.0", exitCode: 3));

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.InstallAsync(broken, CancellationToken.None));

        Assert.Equal(InstallFailure.VerifyFailed, error.Failure);
        Assert.Contains("exited with code 3: tool 2.0.0 is broken", error.Message, StringComparison.Ordinal);
        await AssertOnlyVersionOneRemainsAsync(harness);
    }

    [Fact]
    public async Task InstallAsync_BinPathMissingFromArchive_Refused()
    {
        await using var harness = await InstallerHarness.StartAsync();
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"), binPath: "node-v1/bin");

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.InstallAsync(entry, CancellationToken.None));

        Assert.Contains("has no 'node-v1/bin' directory", error.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Installer.Installed());
    }

    [Fact]
    public async Task InstallAsync_UpgradeThenRollback_SwitchesTheActiveVersion()
    {
        await using var harness = await InstallerHarness.StartAsync();
        var v1 = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));
        var v2 = harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.Runtime("2.0.0"));
        await harness.Installer.InstallAsync(v1, CancellationToken.None);

        var upgrade = await harness.Installer.InstallAsync(v2, CancellationToken.None);
        var afterUpgrade = await harness.RunActiveToolAsync("tool");
        var rollback = await harness.Installer.RollbackAsync("tool", CancellationToken.None);
        var afterRollback = await harness.RunActiveToolAsync("tool");
        var forward = await harness.Installer.InstallAsync(v2, CancellationToken.None);

        Assert.Equal(InstallOutcome.Installed, upgrade.Outcome);
        Assert.Equal("tool 2.0.0", afterUpgrade);
        Assert.Equal(("1.0.0", InstallOutcome.Activated), (rollback.Version, rollback.Outcome));
        Assert.Equal("tool 1.0.0", afterRollback);
        Assert.Equal(InstallOutcome.Activated, forward.Outcome);
        Assert.Equal("tool 2.0.0", await harness.RunActiveToolAsync("tool"));
        Assert.Equal(1, harness.Server.RequestsFor(new Uri(v2.ArtifactUrl)));
        Assert.Equal(
            [new InstalledRuntime("tool", "1.0.0", false), new InstalledRuntime("tool", "2.0.0", true)],
            harness.Installer.Installed());
    }

    [Fact]
    public async Task RollbackAsync_NoPreviousVersion_RefusedWithReason()
    {
        await using var harness = await InstallerHarness.StartAsync();
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0")), CancellationToken.None);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.RollbackAsync("tool", CancellationToken.None));

        Assert.Equal(InstallFailure.NotInstalled, error.Failure);
        Assert.Equal("tool 1.0.0", await harness.RunActiveToolAsync("tool"));
    }

    [Fact]
    public async Task RemoveAsync_VersionUsedByRunningProcess_RefusedUntilItExits()
    {
        await using var harness = await InstallerHarness.StartAsync();
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0")), CancellationToken.None);
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.Runtime("2.0.0")), CancellationToken.None);
        var oldDirectory = harness.Layout.VersionDirectory("tool", "1.0.0");
        using var user = Process.Start(new ProcessStartInfo(Path.Combine(oldDirectory, "bin", "tool"), "serve") { UseShellExecute = false })!;
        try
        {
            var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.RemoveAsync("tool", "1.0.0", CancellationToken.None));

            Assert.Equal(InstallFailure.InUse, error.Failure);
            Assert.Contains(user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
            Assert.True(Directory.Exists(oldDirectory));
        }
        finally
        {
            user.Kill(entireProcessTree: true);
            await user.WaitForExitAsync();
        }

        await harness.Installer.RemoveAsync("tool", "1.0.0", CancellationToken.None);

        Assert.False(Directory.Exists(oldDirectory));
        Assert.Equal([new InstalledRuntime("tool", "2.0.0", true)], harness.Installer.Installed());
    }

    [Fact]
    public async Task RemoveAsync_ActiveVersion_Refused()
    {
        await using var harness = await InstallerHarness.StartAsync();
        await harness.Installer.InstallAsync(harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0")), CancellationToken.None);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => harness.Installer.RemoveAsync("tool", "1.0.0", CancellationToken.None));

        Assert.Equal(InstallFailure.InUse, error.Failure);
        Assert.Contains("is the active version", error.Message, StringComparison.Ordinal);
        Assert.Equal("tool 1.0.0", await harness.RunActiveToolAsync("tool"));
    }

    internal static async Task AssertOnlyVersionOneRemainsAsync(InstallerHarness harness)
    {
        Assert.Equal([new InstalledRuntime("tool", "1.0.0", true)], harness.Installer.Installed());
        Assert.Equal("tool 1.0.0", await harness.RunActiveToolAsync("tool"));
        Assert.Equal(["1.0.0"], Directory.GetDirectories(harness.Layout.RuntimeDirectory("tool")).Select(Path.GetFileName));
    }
}
