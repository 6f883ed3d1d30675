using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Terminal;

/// <summary>As root the terminal's shell is the dev user's own login shell, as that user, with the profile's PATH.</summary>
[Collection(TerminalShellCollection.Name)]
public sealed class TerminalAsDevUserTests
{
    [RootFact]
    public async Task OpenAsync_AsRoot_LoginShellOfTheDevUserWithProfilePath()
    {
        var name = ThrowawayUser.NewName();
        var harness = await TerminalHarness.StartAsync(new()
        {
            ["Agent:Dev:ManageUser"] = "true",
            ["Agent:Dev:UserName"] = name,
        });
        ThrowawayUser? user = null;
        try
        {
            await RunAsync(harness, name, created => user = created);
        }
        finally
        {
            // The shell ends with the harness; userdel refuses a user that still runs a process.
            await harness.DisposeAsync();
            if (user is not null)
            {
                await user.DisposeAsync();
            }
        }
    }

    private static async Task RunAsync(TerminalHarness harness, string name, Action<ThrowawayUser> created)
    {
        var homeRoot = harness.Dev.Root.Combine("home");
        Directory.CreateDirectory(homeRoot);
        // The account exists before the agent looks (as on an image with a dev user): its passwd shell is /bin/sh, not the option's /bin/bash.
        var user = await ThrowawayUser.CreateAsync(home: Path.Combine(homeRoot, name), name: name);
        created(user);
        var runtimeBin = harness.Dev.Root.Combine("data", "runtimes", "tool", "1.0.0", "bin");
        await harness.Dev.Environment.EnsureAsync(CancellationToken.None);
        var path = await harness.Dev.Environment.UpdatePathAsync([runtimeBin], CancellationToken.None);

        var session = await harness.OpenAsync();
        using var probe = TerminalProbe.Attach(session);
        var ids = await probe.EvaluateAsync(session, "IDS", "$(id -u) $(id -g) $(id -G)");
        var variables = await probe.EvaluateAsync(session, "VARS", "$HOME $USER $LOGNAME $SHELL $TERM");
        var shellPath = await probe.EvaluateAsync(session, "PATH", "$PATH");
        var cwd = await probe.EvaluateAsync(session, "CWD", "$(pwd)");
        var status = await File.ReadAllLinesAsync($"/proc/{session.Pid}/status");
        var account = await DevUserProvisioner.LookupAsync(name, CancellationToken.None);

        Assert.NotNull(account);
        Assert.Equal($"{user.Uid} {account.Gid} {account.Gid}", ids);
        Assert.Equal($"Uid:\t{user.Uid}\t{user.Uid}\t{user.Uid}\t{user.Uid}", status.Single(line => line.StartsWith("Uid:", StringComparison.Ordinal)));
        Assert.Equal("CapEff:\t0000000000000000", status.Single(line => line.StartsWith("CapEff:", StringComparison.Ordinal)));
        Assert.Equal($"{account.Home} {name} {name} /bin/sh xterm-256color", variables);
        Assert.Equal(path, shellPath);
        Assert.StartsWith(runtimeBin + ":", shellPath, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(account.Home, "workspace"), cwd);
        Assert.Equal("/bin/sh\0-l\0", await File.ReadAllTextAsync($"/proc/{session.Pid}/cmdline"));
    }
}
