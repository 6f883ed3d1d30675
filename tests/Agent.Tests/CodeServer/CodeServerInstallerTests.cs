using System.Security.Cryptography;
using System.Text.Json;
using ZlhGrind.Agent.CodeServer;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.CodeServer;

[Collection(CodeServerCollection.Name)]
public sealed class CodeServerInstallerTests
{
    [Fact]
    public async Task EnsureInstalledAsync_VersionCheckWritesConfigIntoHome_InstallStaysCleanAndVersionIsAlone()
    {
        using var probe = new TempDirectory();
        var homeSeen = probe.Combine("home-seen");

        // Behaves like code-server 4.x on --version: writes its default config and ~/.local into HOME, logs a line, then
        // prints the version, its commit and the Code version.
        var script = $"""
            #!/bin/sh
            mkdir -p "$HOME/.config/code-server" "$HOME/.local/share/code-server"
            echo "bind-addr: 127.0.0.1:8080" > "$HOME/.config/code-server/config.yaml"
            echo "$HOME" > '{homeSeen}'
            echo "[2026-11-30T12:00:00.000Z] info  Wrote default config file to $HOME/.config/code-server/config.yaml"
            echo "4.100.3 0123456789abcdef0123456789abcdef01234567 with Code 1.100.3"
            """;
        var archive = TestArchives.Build(tar =>
        {
            TestArchives.Directory(tar, "bin/");
            TestArchives.File(tar, "bin/code-server", script.ReplaceLineEndings("\n") + "\n", TestArchives.Executable);
        });
        await using var artifacts = await ArtifactServer.StartAsync();
        var url = artifacts.Publish($"code-server-{Guid.NewGuid():N}.tar.gz", archive);
        await using var harness = await DevHarness.StartAsync(settings: new()
        {
            ["Agent:CodeServer:ArtifactUrl"] = url.ToString(),
            ["Agent:CodeServer:ArtifactSha256"] = Convert.ToHexStringLower(SHA256.HashData(archive)),
            ["Agent:CodeServer:ArtifactSizeBytes"] = archive.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await harness.Environment.EnsureAsync(CancellationToken.None);

        var installed = await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);

        var install = harness.CodeServerInstaller.InstallDirectory;
        var home = (await File.ReadAllTextAsync(homeSeen)).Trim();
        using var marker = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(harness.Root.Path, "data", "services", ".code-server.json")));
        Assert.True(installed);
        Assert.Equal(["bin"], Directory.GetFileSystemEntries(install).Select(entry => Path.GetRelativePath(install, entry)));
        Assert.False(Directory.Exists(Path.Combine(install, ".config")));
        Assert.False(Directory.Exists(Path.Combine(install, ".local")));
        Assert.False(home.StartsWith(harness.Root.Path, StringComparison.Ordinal), $"HOME was {home}");
        Assert.False(Directory.Exists(home), $"the throwaway HOME {home} was left behind");
        Assert.Equal("4.100.3", marker.RootElement.GetProperty("Version").GetString());
    }

    [Theory]
    [InlineData("4.100.3 0123456789abcdef with Code 1.100.3", "4.100.3")]
    [InlineData("[2026-11-30T12:00:00.000Z] info  Wrote default config file\n4.100.3 abc with Code 1.100.3\n5.0.0", "4.100.3")]
    [InlineData("4.0.0-zlh-standin", "4.0.0-zlh-standin")]
    [InlineData("  4.99.0 abc\n", "4.99.0")]
    [InlineData("info starting\nno version here", null)]
    [InlineData("2026 was a year", null)]
    [InlineData("", null)]
    public void Parse_VersionOutput_VersionAlone(string output, string? expected) =>
        Assert.Equal(expected, CodeServerVersion.Parse(output));
}
