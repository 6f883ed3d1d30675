using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.GameServer;
using ZlhGrind.Agent.Tests.Templates;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Agent.Tests.GameServer;

/// <summary>A template's install through the workload: Installing, the files unpacked, the config rendered, then the server starts from them.</summary>
public sealed class GameWorkloadInstallTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private ArtifactServer _artifacts = null!;

    public async Task InitializeAsync() => _artifacts = await ArtifactServer.StartAsync();

    public async Task DisposeAsync() => await _artifacts.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    /// <summary>A started workload whose supervisor is the harness's and whose installer downloads from the loopback artifact server.</summary>
    private async Task<GameWorkload> StartedAsync(SupervisorHarness harness)
    {
        var installer = TemplateInstallerTests.Create(_http.GetRequiredService<IHttpClientFactory>(), _dir.Combine("server"), _dir.Combine("state"));
        var workload = new GameWorkload(harness.Create(), _dir.Combine("state", "applied.json"), stopServerOnAgentStop: false, NullLogger<GameWorkload>.Instance, null, installer: installer);
        await workload.StartAsync(CancellationToken.None);
        return workload;
    }

    [Fact]
    public async Task ApplyAsync_TemplateWithAnArtifact_InstallsRendersTheConfigThenStartsTheServerFromItsFiles()
    {
        await using var harness = new SupervisorHarness(_dir);
        var workload = await StartedAsync(harness);
        var archive = TestArchives.Build(tar => TestArchives.File(tar, "start.sh", "echo \"port $(cat server.properties)\"\nwhile read line; do if [ \"$line\" = stop ]; then exit 0; fi; done\n", TestArchives.Executable));
        var launch = TemplateInstallerTests.Launch(TemplateInstallerTests.Publish(_artifacts, archive), [new ConfigFile("server.properties", "server-port=27015")]);
        var spec = new GameServerSpec("srcds-test", "sh start.sh", "stop", 512, null, launch);

        await workload.ApplyAsync(new DesiredSpec(1, new GameDesired(spec, DesiredPower.Running, 0, null), null), CancellationToken.None);
        await workload.WhenIdleAsync();

        Assert.Equal(GameServerState.Running, workload.Supervisor.State);
        Assert.Equal(
            [GameServerState.Installing, GameServerState.Stopped, GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running],
            harness.Events.States);
        Assert.Equal("installed", harness.Events.All.OfType<GameStateChanged>().ElementAt(3).Reason);
        await ZlhGrind.Testing.Wait.UntilAsync(() => workload.Supervisor.ReadLogTail().Contains("port server-port=27015", StringComparison.Ordinal), ZlhGrind.Testing.Wait.Patience, "the server read its rendered config");
        Assert.Equal(1, _artifacts.RequestsFor(new Uri(launch.Install!.Url)));

        // A later spec (an update) renders the config again and installs nothing again.
        var updated = spec with { Launch = launch with { ConfigFiles = [new ConfigFile("server.properties", "server-port=27016")] } };
        await workload.ApplyAsync(new DesiredSpec(2, new GameDesired(updated, DesiredPower.Stopped, 1, PowerAction.Stop), null), CancellationToken.None);
        await workload.WhenIdleAsync();
        Assert.Equal("server-port=27016", File.ReadAllText(_dir.Combine("server", "server.properties")));
        Assert.Equal(1, _artifacts.RequestsFor(new Uri(launch.Install.Url)));
        Assert.Equal(GameServerState.Stopped, workload.Supervisor.State);
        await workload.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ApplyAsync_ArtifactWithAWrongHash_ErrorWithTheReasonAndTheServerIsNotStarted()
    {
        await using var harness = new SupervisorHarness(_dir);
        var workload = await StartedAsync(harness);
        var artifact = TemplateInstallerTests.Publish(_artifacts, TestArchives.Build(tar => TestArchives.File(tar, "start.sh", "exit 0\n", TestArchives.Executable))) with { Sha256 = new string('c', 64) };
        var spec = new GameServerSpec("srcds-test", "sh start.sh", "stop", 512, null, TemplateInstallerTests.Launch(artifact, null));

        await workload.ApplyAsync(new DesiredSpec(1, new GameDesired(spec, DesiredPower.Running, 0, null), null), CancellationToken.None);
        await workload.WhenIdleAsync();

        Assert.Equal(GameServerState.Error, workload.Supervisor.State);
        var error = harness.Events.All.OfType<GameStateChanged>().Last();
        Assert.StartsWith($"install failed: artifact {artifact.Url} has sha256 ", error.Reason, StringComparison.Ordinal);
        Assert.EndsWith($" but template srcds-test says {artifact.Sha256}; refused", error.Reason, StringComparison.Ordinal);
        Assert.Null(workload.Snapshot().Pid);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Combine("server")));
        await workload.StopAsync(CancellationToken.None);
    }
}
