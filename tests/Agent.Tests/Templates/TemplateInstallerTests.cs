using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Templates;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Agent.Tests.Templates;

/// <summary>A template's first install from a real loopback artifact server, its hash checked before anything lands, and its config files.</summary>
public sealed class TemplateInstallerTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private ArtifactServer _server = null!;

    private string ServerDirectory => _dir.Combine("game", "server");

    public async Task InitializeAsync() => _server = await ArtifactServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task InstallAsync_ArtifactFromLoopback_UnpacksIntoTheServerDirectoryOnceAndRendersTheConfig()
    {
        var installer = Installer();
        var launch = Launch(Publish(ServerFiles()), [new ConfigFile("server.properties", "server-port=25570\nlevel-name={{serverDir}}/world\n"), new ConfigFile("config/motd.txt", "hello\n")]);
        Assert.True(installer.NeedsInstall(launch));

        await installer.InstallAsync("paper-test", launch, CancellationToken.None);
        await installer.WriteConfigFilesAsync(launch, CancellationToken.None);

        Assert.Equal("#!/bin/sh\necho started\n", File.ReadAllText(Path.Combine(ServerDirectory, "start.sh")));
        Assert.Equal("plugin\n", File.ReadAllText(Path.Combine(ServerDirectory, "plugins", "a.txt")));
        Assert.Equal($"server-port=25570\nlevel-name={ServerDirectory}/world\n", File.ReadAllText(Path.Combine(ServerDirectory, "server.properties")));
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(ServerDirectory, "config", "motd.txt")));
        Assert.False(installer.NeedsInstall(launch));
        Assert.Null(installer.Progress);
        Assert.Equal([ServerDirectory], Directory.GetDirectories(_dir.Combine("game")));
    }

    [Fact]
    public async Task InstallAsync_WrongSha256_RefusedAndNothingInTheServerDirectory()
    {
        var installer = Installer();
        var content = ServerFiles();
        var url = _server.Publish($"server-{Guid.NewGuid():N}.tar.gz", content);
        var wrong = new string('b', 64);
        var launch = Launch(new InstallArtifact(url.ToString(), wrong, content.Length), null);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => installer.InstallAsync("paper-test", launch, CancellationToken.None));

        Assert.Equal($"artifact {url} has sha256 {Convert.ToHexStringLower(SHA256.HashData(content))} but template paper-test says {wrong}; refused", error.Message);
        Assert.False(Directory.Exists(ServerDirectory));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Combine("game")));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Combine("state", "downloads")));
        Assert.True(installer.NeedsInstall(launch));
    }

    public static TheoryData<string, string> HostileArchives => new()
    {
        { "dotdot", "entry refused" },
        { "absolute", "entry refused" },
        { "link-out", "outside the install directory" },
        { "through-link", "would be written through link" },
    };

    [Theory]
    [MemberData(nameof(HostileArchives))]
    public async Task InstallAsync_HostileEntry_RefusedAndNothingLands(string kind, string reason)
    {
        var installer = Installer();
        var outside = _dir.Combine("outside");
        Directory.CreateDirectory(outside);
        var archive = TestArchives.Build(tar =>
        {
            TestArchives.File(tar, "start.sh", "#!/bin/sh\n", TestArchives.Executable);
            switch (kind)
            {
                case "dotdot":
                    TestArchives.File(tar, "../../outside/escaped.txt", "x", TestArchives.Readable);
                    break;
                case "absolute":
                    TestArchives.File(tar, outside + "/escaped.txt", "x", TestArchives.Readable);
                    break;
                case "link-out":
                    TestArchives.Link(tar, "world", outside);
                    break;
                default:
                    TestArchives.Link(tar, "world", ".");
                    TestArchives.Link(tar, "world2", "world");
                    TestArchives.File(tar, "world2/escaped.txt", "x", TestArchives.Readable);
                    break;
            }
        });
        var launch = Launch(Publish(archive), null);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => installer.InstallAsync("paper-test", launch, CancellationToken.None));

        Assert.Equal(InstallFailure.UnsafeArchive, error.Failure);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(ServerDirectory));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Combine("game")));
    }

    [Fact]
    public async Task InstallAsync_ServerDirectoryNotEmpty_RefusedAndItsFilesUntouched()
    {
        var installer = Installer();
        Directory.CreateDirectory(ServerDirectory);
        File.WriteAllText(Path.Combine(ServerDirectory, "start.sh"), "mine");
        var launch = Launch(Publish(ServerFiles()), null);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => installer.InstallAsync("paper-test", launch, CancellationToken.None));

        Assert.Equal("the server directory is not empty; a template installs only into an empty one, so nothing was installed", error.Message);
        Assert.Equal(["start.sh"], Directory.GetFileSystemEntries(ServerDirectory).Select(Path.GetFileName));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(ServerDirectory, "start.sh")));
        Assert.Equal([ServerDirectory], Directory.GetFileSystemEntries(_dir.Combine("game")));
    }

    [Fact]
    public async Task InstallAsync_LinkSwappedInAfterTheCheck_RefusedAndNothingLandsOutside()
    {
        // The race a tenant runs: the (empty) server directory is checked, then a link to elsewhere takes its name
        // before the staging tree is moved in. The rename between directory descriptors refuses the taken name.
        var installer = Installer();
        var outside = _dir.Combine("outside");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(ServerDirectory);
        installer.BeforeRename = () => File.CreateSymbolicLink(ServerDirectory, outside);
        var launch = Launch(Publish(ServerFiles()), null);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => installer.InstallAsync("paper-test", launch, CancellationToken.None));

        Assert.Equal((InstallFailure.UnsafeArchive, "the server directory is not a directory; nothing was installed"), (error.Failure, error.Message));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal(outside, new FileInfo(ServerDirectory).LinkTarget);
        Assert.Equal([ServerDirectory], Directory.GetFileSystemEntries(_dir.Combine("game")));
        Assert.True(installer.NeedsInstall(launch));
    }

    [Theory]
    [InlineData("link")]
    [InlineData("file")]
    public async Task InstallAsync_ServerDirectoryNameTakenBeforeTheInstall_RefusedAndNothingLandsOutside(string planted)
    {
        var installer = Installer();
        var outside = _dir.Combine("outside");
        Directory.CreateDirectory(outside);
        if (planted == "link")
        {
            File.CreateSymbolicLink(ServerDirectory, outside);
        }
        else
        {
            File.WriteAllText(ServerDirectory, "mine");
        }

        var launch = Launch(Publish(ServerFiles()), null);

        var error = await Assert.ThrowsAsync<RuntimeInstallException>(() => installer.InstallAsync("paper-test", launch, CancellationToken.None));

        Assert.Equal((InstallFailure.UnsafeArchive, "the server directory is not a directory; nothing was installed"), (error.Failure, error.Message));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal([ServerDirectory], Directory.GetFileSystemEntries(_dir.Combine("game")));
        Assert.Equal(planted == "link" ? outside : null, new FileInfo(ServerDirectory).LinkTarget);
    }

    [Fact]
    public async Task WriteConfigFilesAsync_LinkPlantedInItsPlace_ReplacesTheLinkAndNeverWritesThroughIt()
    {
        var installer = Installer();
        Directory.CreateDirectory(ServerDirectory);
        var victim = _dir.Combine("agent-secret.txt");
        File.WriteAllText(victim, "secret");
        File.CreateSymbolicLink(Path.Combine(ServerDirectory, "server.properties"), victim);

        await installer.WriteConfigFilesAsync(Launch(null, [new ConfigFile("server.properties", "server-port=25570\n")]), CancellationToken.None);

        Assert.Equal("secret", File.ReadAllText(victim));
        Assert.Null(new FileInfo(Path.Combine(ServerDirectory, "server.properties")).LinkTarget);
        Assert.Equal("server-port=25570\n", File.ReadAllText(Path.Combine(ServerDirectory, "server.properties")));
    }

    private static byte[] ServerFiles() => TestArchives.Build(tar =>
    {
        TestArchives.File(tar, "start.sh", "#!/bin/sh\necho started\n", TestArchives.Executable);
        TestArchives.Directory(tar, "plugins/");
        TestArchives.File(tar, "plugins/a.txt", "plugin\n", TestArchives.Readable);
    });

    private InstallArtifact Publish(byte[] content) => Publish(_server, content);

    /// <summary>An installer over real downloads and extraction (short retry backoffs), as the agent builds it.</summary>
    internal static TemplateInstaller Create(IHttpClientFactory http, string serverDirectory, string stateDirectory)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new RuntimeInstallOptions { RetryBackoff = TimeSpan.FromMilliseconds(10), MaxRetryBackoff = TimeSpan.FromMilliseconds(20) });
        return new TemplateInstaller(
            new ArtifactDownloader(http, options, TimeProvider.System, NullLogger<ArtifactDownloader>.Instance),
            new SafeTarExtractor(options),
            new FilesOptions(),
            serverDirectory,
            stateDirectory,
            NullLogger<TemplateInstaller>.Instance);
    }

    /// <summary>Launch parts of a template with an install artifact and config files (no readiness: ready once up).</summary>
    internal static GameLaunch Launch(InstallArtifact? install, IReadOnlyList<ConfigFile>? configFiles) =>
        new("1", [], null, new StopMethod("stop", 15, TimeSpan.FromSeconds(30)), null, null, TimeSpan.FromMinutes(1), [], null, [], install, configFiles);

    /// <summary>Publishes <paramref name="content"/> on <paramref name="server"/> and names it with its real hash and size.</summary>
    internal static InstallArtifact Publish(ArtifactServer server, byte[] content)
    {
        var url = server.Publish($"server-{Guid.NewGuid():N}.tar.gz", content);
        return new InstallArtifact(url.ToString(), Convert.ToHexStringLower(SHA256.HashData(content)), content.Length);
    }

    private TemplateInstaller Installer()
    {
        Directory.CreateDirectory(_dir.Combine("game"));
        return Create(_http.GetRequiredService<IHttpClientFactory>(), ServerDirectory, _dir.Combine("state"));
    }
}
