using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Runtimes;

[Collection(CodeServerCollection.Name)]
public sealed class RuntimeVerifierAsRootTests
{
    private static readonly TimeSpan VerifyTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Making 200,000 files and starting rm on them takes seconds here and far longer on a loaded machine.</summary>
    private static readonly TimeSpan AttackPatience = TimeSpan.FromMinutes(2);

    [RootFact]
    public async Task InstallAsync_DevUserStopsTheHomeRemoval_InstallEndsAtTheVerifyTimeoutAndRmIsKilled()
    {
        var userName = ThrowawayUser.NewName();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        try
        {
            await using var harness = await DevHarness.StartAsync(time, new()
            {
                ["Agent:Dev:ManageUser"] = "true",
                ["Agent:Dev:UserName"] = userName,
                ["Agent:Runtimes:VerifyTimeout"] = VerifyTimeout.ToString(),
            });

            // The attack: the verify command, run as the dev user, leaves a process behind that SIGSTOPs the agent's
            // rm of the throwaway HOME (200,000 files keep rm busy for seconds, long enough to be caught on a loaded machine; the loop ends once HOME is gone).
            var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Build(tar =>
                TestArchives.File(
                    tar,
                    "bin/tool",
                    "#!/bin/sh\n"
                    + "cd \"$HOME\" && seq 0 199999 | xargs touch\n"
                    + "( while [ -d \"$HOME\" ] && ! pkill -STOP -u \"$(id -u)\" -x rm; do :; done ) </dev/null >/dev/null 2>&1 &\n"
                    + "echo tool 1.0.0\n",
                    TestArchives.Executable)));
            await harness.Environment.EnsureAsync(CancellationToken.None);
            var account = await DevUserProvisioner.LookupAsync(userName, CancellationToken.None);
            Assert.NotNull(account);

            var install = harness.Installer.InstallAsync(entry, CancellationToken.None);
            var procFs = new ProcFs();
            var stopped = await Wait.UntilAsync(
                () => procFs.Snapshot().FirstOrDefault(p =>
                    p.State == 'T' && p.CommandLine is ["rm", .., var last] && last.Contains("zlh-verify-home-", StringComparison.Ordinal)
                    && procFs.Uids(p.Pid)?.Real == account.Uid),
                AttackPatience,
                "the dev user's stopped rm of the throwaway HOME");
            Assert.False(install.IsCompleted);

            time.Advance(VerifyTimeout);
            // Bounded, so a regression fails here instead of hanging the run.
            var result = await install.WaitAsync(Wait.Patience);

            Assert.Equal(("tool", "1.0.0", InstallOutcome.Installed, "tool 1.0.0"), (result.Name, result.Version, result.Outcome, result.VerifyOutput));
            await Wait.UntilAsync(() => !procFs.IsAlive(stopped.Pid, stopped.StartTicks), Wait.Patience, "the stopped rm to be killed");
            var home = stopped.CommandLine[^1];
            Assert.True(Directory.Exists(home), $"{home} should be left behind by the killed rm");
            Directory.Delete(home, recursive: true);
        }
        finally
        {
            await CommandRunner.RunAsync("userdel", ["--remove", userName], TimeSpan.FromSeconds(30), CancellationToken.None);
        }
    }
}
