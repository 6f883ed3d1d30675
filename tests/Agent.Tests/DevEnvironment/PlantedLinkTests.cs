using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.Tests.DevEnvironment;

/// <summary>
/// The dev user owns its home and may plant links there to make the root agent write or chown elsewhere at its next
/// start. Each attack is performed by a real throwaway user against a root-owned stand-in for /etc/shadow; the agent
/// refuses with a clear message and the victim's content, owner and mode stay as they were.
/// </summary>
[Collection(CodeServerCollection.Name)]
public sealed class PlantedLinkTests
{
    private const string VictimContent = "root:$6$not-a-real-hash:19000:0:99999:7:::\n";
    private const UnixFileMode VictimMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    private const UnixFileMode VictimDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [RootFact]
    public async Task EnsureAsync_ProfileLinkedToRootFile_RefusedAndVictimUnchanged()
    {
        await using var scene = await Scene.CreateAsync();
        await scene.AsUserAsync("ln", "-sf", scene.VictimFile, Path.Combine(scene.Home, ".profile"));
        using var environment = scene.Environment();

        var refusal = await Assert.ThrowsAsync<UnsafeUserPathException>(() => environment.EnsureAsync(CancellationToken.None));

        Assert.Equal($"refused {scene.Home}/.profile: it is a symbolic link; the agent never follows links in the dev user's home", refusal.Message);
        Assert.Equal(scene.VictimFile, new FileInfo(Path.Combine(scene.Home, ".profile")).LinkTarget);
        await scene.AssertVictimsUnchangedAsync();
    }

    [RootFact]
    public async Task EnsureAsync_WorkspaceLinkedToRootDirectory_RefusedAndVictimUnchanged()
    {
        await using var scene = await Scene.CreateAsync();
        await scene.AsUserAsync("ln", "-s", scene.VictimDirectory, Path.Combine(scene.Home, "workspace"));
        using var environment = scene.Environment();

        var refusal = await Assert.ThrowsAsync<UnsafeUserPathException>(() => environment.EnsureAsync(CancellationToken.None));

        Assert.Equal($"refused {scene.Home}/workspace: it is a symbolic link, not a directory; the agent never follows links in the dev user's home", refusal.Message);
        await scene.AssertVictimsUnchangedAsync();
    }

    [RootFact]
    public async Task EnsureAsync_WorkspaceSwappedForLinkAfterAStart_NextStartRefusedAndVictimUnchanged()
    {
        await using var scene = await Scene.CreateAsync();
        using (var first = scene.Environment())
        {
            await first.EnsureAsync(CancellationToken.None);
        }

        var workspace = Path.Combine(scene.Home, "workspace");
        await scene.AsUserAsync("mv", workspace, Path.Combine(scene.Home, "old-workspace"));
        await scene.AsUserAsync("ln", "-s", scene.VictimDirectory, workspace);
        using var next = scene.Environment();

        var refusal = await Assert.ThrowsAsync<UnsafeUserPathException>(() => next.EnsureAsync(CancellationToken.None));

        Assert.Equal($"refused {workspace}: it is a symbolic link, not a directory; the agent never follows links in the dev user's home", refusal.Message);
        await scene.AssertVictimsUnchangedAsync();
    }

    [RootFact]
    public async Task EnsureAsync_ProfileHardLinkedToRootFile_RefusedAndVictimUnchanged()
    {
        // fs.protected_hardlinks stops the user from making this link; a host without it would not, so root plants it here.
        await using var scene = await Scene.CreateAsync();
        var profile = Path.Combine(scene.Home, ".profile");
        File.Delete(profile);
        await ProcessRunner.RunAsync("ln", scene.VictimFile, profile);
        using var environment = scene.Environment();

        var refusal = await Assert.ThrowsAsync<UnsafeUserPathException>(() => environment.EnsureAsync(CancellationToken.None));

        Assert.Equal(
            $"refused {profile}: it belongs to uid 0 with 2 link(s); only a file of the dev user (uid {scene.Uid}) with one link is rewritten",
            refusal.Message);
        await scene.AssertVictimsUnchangedAsync();
    }

    [RootFact]
    public async Task EnsureAsync_UsersOwnProfile_ReplacedByANewFileOfTheUserNotAppended()
    {
        await using var scene = await Scene.CreateAsync();
        var profile = Path.Combine(scene.Home, ".profile");
        await scene.AsUserAsync("sh", "-c", $"printf 'export EDITOR=vi' > '{profile}'");
        var before = await Scene.StatAsync(profile);
        using var environment = scene.Environment();

        await environment.EnsureAsync(CancellationToken.None);
        var after = await Scene.StatAsync(profile);
        var lines = await File.ReadAllLinesAsync(profile);

        Assert.NotEqual(before.Split(' ')[0], after.Split(' ')[0]);
        Assert.Equal($"{scene.Uid}:{scene.Uid} 644 regular file", after[(after.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(["export EDITOR=vi", ShellProfile.SourceLine(environment.Paths.ProfilePath)], lines);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(scene.Home), entry => Path.GetFileName(entry).Contains("zlh-", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task StartAsync_PlantedWorkspaceLink_ReportsTheRefusalAsTheContainersError()
    {
        await using var harness = await DevHarness.StartAsync(settings: new()
        {
            ["Agent:Dev:ManageUser"] = "true",
            ["Agent:Dev:UserName"] = ThrowawayUser.NewName(),
        });
        var userName = harness.Get<DevPaths>().UserName;
        await using var scene = await Scene.CreateAsync(harness.Root, userName);
        await scene.AsUserAsync("ln", "-s", scene.VictimDirectory, Path.Combine(scene.Home, "workspace"));

        await harness.Workload.StartAsync(CancellationToken.None);

        var reason = $"the dev environment could not be prepared: refused {scene.Home}/workspace: it is a symbolic link, not a directory; the agent never follows links in the dev user's home";
        Assert.Equal((DevContainerState.Error, reason), (harness.Workload.State, harness.Workload.Reason));
        Assert.Equal([(DevContainerState.Error, reason)], harness.Events.OfType<DevStateChanged>().Select(change => (change.State, change.Reason)));
        Assert.Null(harness.Environment.PreparedUser);
        await scene.AssertVictimsUnchangedAsync();
    }

    /// <summary>A throwaway user with a home under a temp root, and root-owned victims (a file standing in for /etc/shadow, a private directory).</summary>
    private sealed class Scene : IAsyncDisposable
    {
        private readonly TempDirectory? _ownedRoot;

        private readonly ThrowawayUser _user;

        private Scene(TempDirectory root, TempDirectory? ownedRoot, ThrowawayUser user)
        {
            Root = root;
            _ownedRoot = ownedRoot;
            _user = user;
        }

        public TempDirectory Root { get; }

        public string UserName => _user.Name;

        public int Uid => _user.Uid;

        public string Home => Root.Combine("home", UserName);

        public string VictimFile => Root.Combine("etc", "shadow");

        public string VictimDirectory => Root.Combine("secrets");

        public static async Task<Scene> CreateAsync(TempDirectory? root = null, string? userName = null)
        {
            var ownedRoot = root is null ? new TempDirectory() : null;
            root ??= ownedRoot!;
            userName ??= ThrowawayUser.NewName();
            Directory.CreateDirectory(root.Combine("home"));
            var user = await ThrowawayUser.CreateAsync(root.Combine("home", userName), userName);

            Directory.CreateDirectory(root.Combine("etc"));
            await File.WriteAllTextAsync(root.Combine("etc", "shadow"), VictimContent);
            File.SetUnixFileMode(root.Combine("etc", "shadow"), VictimMode);
            Directory.CreateDirectory(root.Combine("secrets"));
            await File.WriteAllTextAsync(root.Combine("secrets", "key"), VictimContent);
            File.SetUnixFileMode(root.Combine("secrets"), VictimDirectoryMode);
            return new Scene(root, ownedRoot, user);
        }

        /// <summary>Runs a command as the dev user, as an attacker with a shell in the container would.</summary>
        public Task<string> AsUserAsync(string command, params string[] arguments) => _user.RunAsync(command, arguments);

        public DevUserEnvironment Environment() => DevUserEnvironmentTests.Create(
            new DevEnvironmentOptions
            {
                DataRoot = Root.Combine("data"),
                UserName = UserName,
                HomeRoot = Root.Combine("home"),

                // Outside /etc/profile.d, so the agent does hook ~/.profile: the path under attack.
                ProfilePath = Root.Combine("profile.d", "zlh.sh"),
            },
            runningAsRoot: true);

        public async Task AssertVictimsUnchangedAsync()
        {
            Assert.Equal(VictimContent, await File.ReadAllTextAsync(VictimFile));
            Assert.Equal("0:0 640 regular file", Owner(await StatAsync(VictimFile)));
            Assert.Equal("0:0 700 directory", Owner(await StatAsync(VictimDirectory)));
            Assert.Equal("0:0 644 regular file", Owner(await StatAsync(Path.Combine(VictimDirectory, "key"))));
            Assert.Equal([Path.Combine(VictimDirectory, "key")], Directory.GetFileSystemEntries(VictimDirectory));
        }

        /// <summary>"inode uid:gid mode type" of the file itself (a link is not followed).</summary>
        public static Task<string> StatAsync(string path) => ProcessRunner.RunAsync("stat", "-c", "%i %u:%g %a %F", path);

        public async ValueTask DisposeAsync()
        {
            await _user.DisposeAsync();
            _ownedRoot?.Dispose();
        }

        private static string Owner(string stat) => stat[(stat.IndexOf(' ', StringComparison.Ordinal) + 1)..];
    }
}
