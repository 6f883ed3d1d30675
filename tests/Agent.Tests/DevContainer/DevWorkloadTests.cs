using System.Globalization;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Agent.Workloads;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Agent.Tests.DevContainer;

[Collection(CodeServerCollection.Name)]
public sealed class DevWorkloadTests
{
    [Fact]
    public async Task ApplyAsync_RuntimeSpec_InstallsVerifiesAndAppearsInTheHeartbeat()
    {
        await using var harness = await DevHarness.StartAsync();
        await harness.Workload.StartAsync(CancellationToken.None);
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));

        await harness.Workload.ApplyAsync(Spec(1, entry), CancellationToken.None);
        var snapshot = harness.Workload.Snapshot();
        await harness.Workload.ApplyAsync(Spec(2, entry), CancellationToken.None);

        Assert.Equal(1, snapshot.ObservedGeneration);
        Assert.Equal(DevContainerState.Ready, snapshot.Dev!.State);
        Assert.Equal([new InstalledRuntime("tool", "1.0.0", true)], snapshot.Dev.Runtimes);
        Assert.Null(snapshot.Dev.Install);
        Assert.Null(snapshot.Dev.IdeEndpoint);
        Assert.Equal(CodeServerState.Stopped, snapshot.Dev.CodeServer);
        Assert.Equal(2, harness.Workload.Snapshot().ObservedGeneration);
        Assert.Equal(1, harness.Server.RequestsFor(new Uri(entry.ArtifactUrl)));
        Assert.Equal(
            [DevContainerState.Installing, DevContainerState.Ready],
            harness.Events.OfType<DevStateChanged>().Select(change => change.State));
        var finished = Assert.Single(harness.Events.OfType<RuntimeInstallFinished>());
        Assert.Equal(("tool", "1.0.0", true, "installed and verified: tool 1.0.0"), (finished.Runtime, finished.Version, finished.Succeeded, finished.Reason));
        Assert.Equal(["tool 1.0.0"], [await RunOnPathAsync(harness)]);
    }

    [Fact]
    public async Task ApplyAsync_UpgradeThenRollback_LeavesTheRightVersionOnPath()
    {
        await using var harness = await DevHarness.StartAsync();
        await harness.Workload.StartAsync(CancellationToken.None);
        var v1 = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));
        var v2 = harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.Runtime("2.0.0"));

        await harness.Workload.ApplyAsync(Spec(1, v1), CancellationToken.None);
        var first = await RunOnPathAsync(harness);
        await harness.Workload.ApplyAsync(Spec(2, v2), CancellationToken.None);
        var upgraded = await RunOnPathAsync(harness);
        await harness.Workload.ApplyAsync(Spec(3, v1), CancellationToken.None);
        var rolledBack = await RunOnPathAsync(harness);
        var profile = await File.ReadAllTextAsync(harness.Environment.Paths.ProfilePath);

        Assert.Equal(["tool 1.0.0", "tool 2.0.0", "tool 1.0.0"], [first, upgraded, rolledBack]);
        Assert.Contains(Path.Combine(harness.Root.Path, "data", "runtimes", "tool", "1.0.0", "bin") + ":", profile, StringComparison.Ordinal);
        Assert.DoesNotContain("/2.0.0/", profile, StringComparison.Ordinal);
        Assert.Equal(
            [new InstalledRuntime("tool", "1.0.0", true), new InstalledRuntime("tool", "2.0.0", false)],
            harness.Workload.Snapshot().Dev!.Runtimes);
        Assert.Equal(1, harness.Server.RequestsFor(new Uri(v1.ArtifactUrl)));
        Assert.Equal(
            ["installed and verified: tool 1.0.0", "installed and verified: tool 2.0.0", "switched to the installed version"],
            harness.Events.OfType<RuntimeInstallFinished>().Select(finished => finished.Reason));
    }

    [Fact]
    public async Task ApplyAsync_BadUpgrade_RollsBackToThePreviousRuntimeAndSaysWhy()
    {
        await using var harness = await DevHarness.StartAsync();
        await harness.Workload.StartAsync(CancellationToken.None);
        var v1 = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));
        var bad = harness.Server.PublishRuntime("tool", "2.0.0", TestArchives.Runtime("2.0.0"), sha256: new string('b', 64));
        await harness.Workload.ApplyAsync(Spec(1, v1), CancellationToken.None);

        await harness.Workload.ApplyAsync(Spec(2, bad), CancellationToken.None);

        var snapshot = harness.Workload.Snapshot();
        Assert.Equal(DevContainerState.Ready, snapshot.Dev!.State);
        Assert.Equal(2, snapshot.ObservedGeneration);
        Assert.Equal([new InstalledRuntime("tool", "1.0.0", true)], snapshot.Dev.Runtimes);
        Assert.Equal("tool 1.0.0", await RunOnPathAsync(harness));
        Assert.False(Directory.Exists(Path.Combine(harness.Root.Path, "data", "runtimes", "tool", "2.0.0")));
        var failed = harness.Events.OfType<RuntimeInstallFinished>()[^1];
        Assert.False(failed.Succeeded);
        Assert.Equal(("tool", "2.0.0"), (failed.Runtime, failed.Version));
        Assert.StartsWith("upgrade failed, rolled back to 1.0.0: ", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("has sha256", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(
            [DevContainerState.Installing, DevContainerState.Ready, DevContainerState.Installing, DevContainerState.Ready],
            harness.Events.OfType<DevStateChanged>().Select(changed => changed.State));
        Assert.Equal("upgrade to tool 2.0.0 failed, rolled back to tool 1.0.0", harness.Events.OfType<DevStateChanged>()[^1].Reason);

        // The failure is reported after the state, so the grain's last error (cleared by Ready) ends up holding it.
        var order = harness.Events.Events.Select(e => e.GetType()).ToList();
        Assert.True(order.LastIndexOf(typeof(RuntimeInstallFinished)) > order.LastIndexOf(typeof(DevStateChanged)));
    }

    [Fact]
    public async Task ApplyAsync_CodeServerEnabled_ReadyOnceItAnswersAndHonoursRequests()
    {
        await using var harness = await DevHarness.StartAsync();
        await harness.Workload.StartAsync(CancellationToken.None);
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));

        await harness.Workload.ApplyAsync(Spec(1, entry, codeServer: true, running: true), CancellationToken.None);
        var ready = harness.Workload.Snapshot();
        var firstPid = ready.Pid;
        var environment = await File.ReadAllTextAsync($"/proc/{firstPid}/environ");
        await harness.Workload.ApplyAsync(Spec(2, entry, codeServer: true, running: true, request: 1, action: CodeServerAction.Restart), CancellationToken.None);
        var restartedPid = harness.Workload.Snapshot().Pid;
        await harness.Workload.ApplyAsync(Spec(3, entry, codeServer: true, running: false, request: 2, action: CodeServerAction.Stop), CancellationToken.None);
        var stopped = harness.Workload.Snapshot();

        Assert.Equal(DevContainerState.Ready, ready.Dev!.State);
        Assert.Equal(CodeServerState.Running, ready.Dev.CodeServer);
        Assert.Equal($"127.0.0.1:{harness.Port}", ready.Dev.IdeEndpoint);
        Assert.NotNull(firstPid);
        Assert.Contains($"PATH={harness.Environment.CurrentPath}\0", environment, StringComparison.Ordinal);
        Assert.Contains("TERM=xterm-256color\0", environment, StringComparison.Ordinal);
        Assert.NotNull(restartedPid);
        Assert.NotEqual(firstPid, restartedPid);
        Assert.Equal((DevContainerState.Ready, CodeServerState.Stopped), (stopped.Dev!.State, stopped.Dev.CodeServer));
        Assert.Null(stopped.Pid);
        Assert.Null(harness.Scanner.Find());
    }

    [Fact]
    public async Task StartAsync_AfterAgentRestart_DoesNotRepeatAHandledRequest()
    {
        await using var harness = await DevHarness.StartAsync();
        await harness.Workload.StartAsync(CancellationToken.None);
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));
        await harness.Workload.ApplyAsync(Spec(1, entry, codeServer: true, running: true, request: 1, action: CodeServerAction.Start), CancellationToken.None);
        var pid = harness.Workload.Snapshot().Pid;

        await using var restarted = await DevHarness.StartAsync(settings: new()
        {
            ["Agent:Dev:DataRoot"] = harness.Root.Combine("data"),
            ["Agent:CodeServer:Port"] = harness.Port.ToString(CultureInfo.InvariantCulture),
        });
        await restarted.Workload.StartAsync(CancellationToken.None);
        await restarted.Workload.ApplyAsync(Spec(1, entry, codeServer: true, running: true, request: 1, action: CodeServerAction.Start), CancellationToken.None);

        Assert.Equal(pid, restarted.Workload.Snapshot().Pid);
        Assert.Equal(DevContainerState.Ready, restarted.Workload.Snapshot().Dev!.State);
        Assert.Equal(1, harness.Server.RequestsFor(new Uri(entry.ArtifactUrl)));
    }

    [Fact]
    public async Task ApplyAsync_CodeServerArtifactCorrupt_ErrorWithReasonRuntimeStillInstalled()
    {
        await using var harness = await DevHarness.StartAsync(settings: new() { ["Agent:CodeServer:ArtifactSha256"] = new string('c', 64) });
        await harness.Workload.StartAsync(CancellationToken.None);
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));

        await harness.Workload.ApplyAsync(Spec(1, entry, codeServer: true, running: true), CancellationToken.None);

        var snapshot = harness.Workload.Snapshot().Dev!;
        Assert.Equal((DevContainerState.Error, CodeServerState.Stopped), (snapshot.State, snapshot.CodeServer));
        Assert.Equal([new InstalledRuntime("tool", "1.0.0", true)], snapshot.Runtimes);
        var reason = harness.Events.OfType<DevStateChanged>()[^1].Reason;
        Assert.StartsWith("code-server could not be installed: artifact ", reason, StringComparison.Ordinal);
        Assert.Contains("but the agent configuration says " + new string('c', 64), reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(harness.CodeServerInstaller.InstallDirectory));
    }

    [Fact]
    public async Task ApplyAsync_MachineRefusesTheWorkspace_ReportsErrorInsteadOfThrowing()
    {
        await using var harness = await DevHarness.StartAsync(settings: new() { ["Agent:Dev:HomeRoot"] = "/dev/null/home" });
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));

        await harness.Workload.ApplyAsync(Spec(7, entry), CancellationToken.None);

        var snapshot = harness.Workload.Snapshot();
        Assert.Equal((DevContainerState.Error, 7L), (snapshot.Dev!.State, snapshot.ObservedGeneration));
        var error = Assert.Single(harness.Events.OfType<DevStateChanged>());
        Assert.StartsWith("the dev environment could not be prepared: ", error.Reason, StringComparison.Ordinal);
        Assert.Equal(0, harness.Server.TotalRequests);
    }

    [Fact]
    public async Task DeleteAsync_CodeServerRunning_StopsItRemovesTheWorkspaceAndTheAgentDataAndStartsNothingAfter()
    {
        await using var harness = await DevHarness.StartAsync();
        using var outside = new TempDirectory();
        var precious = outside.Combine("precious.txt");
        File.WriteAllText(precious, "keep");
        var (entry, workspace) = await ReadyWithCodeServerAsync(harness);

        // The dev user's attack on the removal: a link out of the workspace must go as a link, its target untouched.
        File.CreateSymbolicLink(Path.Combine(workspace, "escape"), precious);
        var outcome = await harness.Workload.DeleteAsync(keepData: false, CancellationToken.None);

        Assert.Equal(new DeletionOutcome(DataRemoved: true, null), outcome);
        Assert.Null(harness.Workload.Snapshot().Pid);
        Assert.Null(harness.Scanner.Find());
        Assert.False(Directory.Exists(workspace));
        Assert.All(["runtimes", "services", "state", "tmp"], d => Assert.False(Directory.Exists(harness.Root.Combine("data", d)), d));
        Assert.Equal("keep", File.ReadAllText(precious));

        await harness.Workload.ApplyAsync(Spec(5, entry, codeServer: true, running: true, request: 2, action: CodeServerAction.Start), CancellationToken.None);
        Assert.Null(harness.Workload.Snapshot().Pid);
        Assert.False(Directory.Exists(harness.Root.Combine("data", "runtimes")));
    }

    [Fact]
    public async Task DeleteAsync_KeepData_StopsCodeServerAndLeavesTheWorkspace()
    {
        await using var harness = await DevHarness.StartAsync();
        var (_, workspace) = await ReadyWithCodeServerAsync(harness);

        var outcome = await harness.Workload.DeleteAsync(keepData: true, CancellationToken.None);

        Assert.Equal(new DeletionOutcome(DataRemoved: false, null), outcome);
        Assert.Null(harness.Workload.Snapshot().Pid);
        Assert.Null(harness.Scanner.Find());
        Assert.Equal("mine", File.ReadAllText(Path.Combine(workspace, "notes.txt")));
        Assert.True(Directory.Exists(harness.Root.Combine("data", "runtimes", "tool", "1.0.0")));
    }

    /// <summary>A dev container with its runtime installed, code-server answering and a file in the workspace.</summary>
    private static async Task<(RuntimeEntry Entry, string Workspace)> ReadyWithCodeServerAsync(DevHarness harness)
    {
        await harness.Workload.StartAsync(CancellationToken.None);
        var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));
        await harness.Workload.ApplyAsync(Spec(1, entry, codeServer: true, running: true, request: 1, action: CodeServerAction.Start), CancellationToken.None);
        Assert.Equal(CodeServerState.Running, harness.Workload.Snapshot().Dev!.CodeServer);
        var workspace = harness.Environment.User.Workspace;
        File.WriteAllText(Path.Combine(workspace, "notes.txt"), "mine");
        return (entry, workspace);
    }

    private static DesiredSpec Spec(
        long generation,
        RuntimeEntry entry,
        bool codeServer = false,
        bool running = false,
        long request = 0,
        CodeServerAction? action = null) =>
        new(generation, null, new DevDesired(new DevContainerSpec(entry.Name, entry.Version, codeServer), entry, running, request, action));

    private static async Task<string> RunOnPathAsync(DevHarness harness)
    {
        var start = harness.Environment.CreateStartInfo("/bin/sh", ["-c", "tool"]);
        start.RedirectStandardOutput = true;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim();
    }
}
