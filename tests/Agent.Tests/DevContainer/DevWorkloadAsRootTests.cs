using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.Tests.DevContainer;

[Collection(CodeServerCollection.Name)]
public sealed class DevWorkloadAsRootTests
{
    [RootFact]
    public async Task ApplyAsync_AsRoot_CodeServerAndRuntimeRunAsTheDevUser()
    {
        var userName = "zlhtest" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var harness = await DevHarness.StartAsync(settings: new()
            {
                ["Agent:Dev:ManageUser"] = "true",
                ["Agent:Dev:UserName"] = userName,
            });
            var home = harness.Root.Combine("home");
            // The verify command writes into HOME, as code-server's does: the throwaway HOME must be the dev user's to write.
            var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Build(tar =>
                TestArchives.File(tar, "bin/tool", "#!/bin/sh\nset -e\nmkdir -p \"$HOME/.config/tool\"\necho \"tool as $(id -un)\"\n", TestArchives.Executable)));

            await harness.Workload.StartAsync(CancellationToken.None);
            await harness.Workload.ApplyAsync(
                new DesiredSpec(1, null, new DevDesired(new DevContainerSpec("tool", "1.0.0", true), entry, true, 0, null)),
                CancellationToken.None);
            var snapshot = harness.Workload.Snapshot();
            var account = await DevUserProvisioner.LookupAsync(userName, CancellationToken.None);
            var status = await File.ReadAllLinesAsync($"/proc/{snapshot.Pid}/status");
            var environment = await File.ReadAllTextAsync($"/proc/{snapshot.Pid}/environ");

            Assert.NotNull(account);
            Assert.Equal((DevContainerState.Ready, CodeServerState.Running), (snapshot.Dev!.State, snapshot.Dev.CodeServer));
            Assert.StartsWith($"Uid:\t{account.Uid}\t{account.Uid}\t", status.Single(line => line.StartsWith("Uid:", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.Contains($"USER={userName}\0", environment, StringComparison.Ordinal);
            Assert.Contains($"LOGNAME={userName}\0", environment, StringComparison.Ordinal);
            Assert.Contains($"HOME={account.Home}\0", environment, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(home, userName), account.Home);
            Assert.True(Directory.Exists(Path.Combine(account.Home, "workspace")));
            Assert.Equal($"installed and verified: tool as {userName}", Assert.Single(harness.Events.OfType<RuntimeInstallFinished>()).Reason);
        }
        finally
        {
            await CommandRunner.RunAsync("userdel", ["--remove", userName], TimeSpan.FromSeconds(30), CancellationToken.None);
        }
    }
}
