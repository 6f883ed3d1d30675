using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.DevEnvironment;

public sealed class DevUserEnvironmentTests
{
    [RootFact]
    public async Task EnsureAsync_AsRoot_CreatesTheUserAndWorkspaceAndRunsProcessesAsIt()
    {
        using var root = new TempDirectory();
        var userName = "zlhtest" + Guid.NewGuid().ToString("N")[..8];
        var options = new DevEnvironmentOptions
        {
            DataRoot = root.Combine("data"),
            UserName = userName,
            HomeRoot = root.Combine("home"),
            ProfilePath = root.Combine("profile.d", "zlh.sh"),
        };
        using var environment = Create(options, runningAsRoot: true);
        try
        {
            var user = await environment.EnsureAsync(CancellationToken.None);
            var path = await environment.UpdatePathAsync(["/opt/zlh-test/bin"], CancellationToken.None);
            var seen = await RunAsync(environment, "id -un; echo \"$HOME|$USER|$LOGNAME|$TERM|$PATH\"; pwd");
            var console = await RunLoginShellAsync(environment, "id -un; echo \"$PATH\"");

            var account = await DevUserProvisioner.LookupAsync(userName, CancellationToken.None);
            Assert.NotNull(account);
            Assert.Equal(root.Combine("home", userName), user.Home);
            Assert.Equal(root.Combine("home", userName, "workspace"), user.Workspace);
            Assert.Equal(account.Uid, OwnerOf(user.Workspace));
            Assert.False(user.IsAgentUser);
            Assert.Equal(
                [userName, $"{user.Home}|{userName}|{userName}|xterm-256color|{path}", user.Workspace],
                seen.Split('\n'));
            Assert.Equal([userName, path], console.Split('\n'));
        }
        finally
        {
            await CommandRunner.RunAsync("userdel", ["--remove", userName], TimeSpan.FromSeconds(30), CancellationToken.None);
        }

        Assert.Null(await DevUserProvisioner.LookupAsync(userName, CancellationToken.None));
    }

    [Fact]
    public async Task EnsureAsync_NotRoot_UsesTheCurrentUserUnderTheDataRoot()
    {
        using var root = new TempDirectory();
        var options = new DevEnvironmentOptions { DataRoot = root.Combine("data") };
        using var environment = Create(options, runningAsRoot: false);

        var user = await environment.EnsureAsync(CancellationToken.None);
        var seen = await RunAsync(environment, "echo \"$HOME|$USER|$LOGNAME|$TERM\"; pwd");

        Assert.True(user.IsAgentUser);
        Assert.Equal(Environment.UserName, user.Name);
        Assert.Equal(root.Combine("data", "home", "dev", "workspace"), user.Workspace);
        Assert.True(Directory.Exists(user.Workspace));
        Assert.Equal([$"{user.Home}|{user.Name}|{user.Name}|xterm-256color", user.Workspace], seen.Split('\n'));
        Assert.Equal(root.Combine("data", "dev", "profile.sh"), environment.Paths.ProfilePath);
    }

    [Fact]
    public async Task UpdatePathAsync_Profile_GivesLoginShellsTheSamePathAsDevProcesses()
    {
        using var root = new TempDirectory();
        using var environment = Create(new DevEnvironmentOptions { DataRoot = root.Combine("data") }, runningAsRoot: false);
        await environment.EnsureAsync(CancellationToken.None);

        var path = await environment.UpdatePathAsync([root.Combine("data", "runtimes", "node", "20", "bin"), "/usr/bin"], CancellationToken.None);
        var processPath = await RunAsync(environment, "echo \"$PATH\"");
        var loginShellPath = await RunLoginShellAsync(environment, "echo \"$PATH\"");
        var profilePath = await ProcessRunner.RunAsync("/bin/sh", ["-c", $". '{environment.Paths.ProfilePath}'; echo \"$PATH\""], new Dictionary<string, string> { ["PATH"] = "/somewhere/else" });

        Assert.Equal($"{root.Combine("data", "runtimes", "node", "20", "bin")}:/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin:/bin", path);
        Assert.Equal(path, processPath);
        Assert.Equal(path, profilePath);
        Assert.Equal(path, loginShellPath);
    }

    [Fact]
    public async Task CreateStartInfo_AgentEnvironment_IsNotPassedOn()
    {
        using var root = new TempDirectory();
        using var environment = Create(new DevEnvironmentOptions { DataRoot = root.Combine("data") }, runningAsRoot: false);
        await environment.EnsureAsync(CancellationToken.None);
        Environment.SetEnvironmentVariable("ZLH_TEST_SECRET", "must-not-leak");
        try
        {
            var names = await RunAsync(environment, "env | cut -d= -f1 | sort | tr '\\n' ' '");

            Assert.Equal("HOME LANG LOGNAME PATH PWD SHELL TERM USER", names.Trim());
        }
        finally
        {
            Environment.SetEnvironmentVariable("ZLH_TEST_SECRET", null);
        }
    }

    [Fact]
    public void Validate_BadOptions_NamesEachProblem()
    {
        var result = new DevEnvironmentOptionsValidator().Validate(null, new DevEnvironmentOptions
        {
            DataRoot = "relative/root",
            UserName = "Root User",
            WorkspaceName = "../ws",
            SystemPath = "bin:/usr/bin",
        });

        Assert.True(result.Failed);
        Assert.Equal(4, result.Failures!.Count());
        Assert.Contains(result.Failures!, failure => failure.Contains("DataRoot must be an absolute path", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, failure => failure.Contains("UserName must be", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AgentFilesInsideTheDevUsersHome_Refused()
    {
        var result = new DevEnvironmentOptionsValidator().Validate(null, new DevEnvironmentOptions
        {
            DataRoot = "/home/dev/zlh",
            ProfilePath = "/home/dev/.zlh-profile.sh",
        });
        var sibling = new DevEnvironmentOptionsValidator().Validate(null, new DevEnvironmentOptions { DataRoot = "/home/developer" });

        Assert.Equal(
            [
                "Agent:Dev:DataRoot must not be inside the dev user's home /home/dev/, which that user controls, not '/home/dev/zlh'",
                "Agent:Dev:ProfilePath must not be inside the dev user's home /home/dev/, which that user controls, not '/home/dev/.zlh-profile.sh'",
            ],
            result.Failures);
        Assert.True(sibling.Succeeded);
    }

    internal static DevUserEnvironment Create(DevEnvironmentOptions options, bool runningAsRoot)
    {
        var paths = new DevPaths(options, runningAsRoot);
        var wrapped = Options.Create(options);
        return new DevUserEnvironment(
            paths,
            new DevUserProvisioner(paths, wrapped, NullLogger<DevUserProvisioner>.Instance),
            wrapped,
            NullLogger<DevUserEnvironment>.Instance);
    }

    private static Task<string> RunAsync(DevUserEnvironment environment, string script) =>
        RunAsync(environment, "/bin/sh", ["-c", script]);

    private static async Task<string> RunAsync(DevUserEnvironment environment, string fileName, IEnumerable<string> arguments)
    {
        var start = environment.CreateStartInfo(fileName, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return output.Trim();
    }

    /// <summary>Runs <paramref name="command"/> in the console's shell as a login shell, as the console does.</summary>
    private static async Task<string> RunLoginShellAsync(DevUserEnvironment environment, string command)
    {
        var console = environment.CreateConsoleStartInfo();
        return await RunAsync(environment, console.FileName, [.. console.ArgumentList, "-c", command]);
    }

    private static int OwnerOf(string path) =>
        int.Parse(ProcessRunner.RunAsync("stat", "-c", "%u", path).GetAwaiter().GetResult(), CultureInfo.InvariantCulture);
}
