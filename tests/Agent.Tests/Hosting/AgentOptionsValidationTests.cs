using System.Diagnostics;
using ZlhGrind.Agent.ClusterLink;
using ZlhGrind.Agent.GameServer;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Agent.Tests.EndToEnd;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Hosting;

public sealed class AgentOptionsValidationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Validate_GoodOptions_Succeeds()
    {
        var result = new AgentOptionsValidator().Validate(null, Good());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(99, "Agent:ContainerId must be a container id from 100 to 999999999 (got 99).")]
    [InlineData(1_000_000_000, "Agent:ContainerId must be a container id from 100 to 999999999 (got 1000000000).")]
    public void Validate_ContainerIdOutOfRange_SaysSo(long id, string message)
    {
        var options = Good();
        options.ContainerId = id;

        Assert.Equal([message], new AgentOptionsValidator().Validate(null, options).Failures);
    }

    [Fact]
    public void Validate_UnknownKind_SaysWhichKindsExist()
    {
        var options = Good();
        options.Kind = "Game";

        Assert.Equal(["Agent:Kind must be 'game' or 'dev' (got 'Game')."], new AgentOptionsValidator().Validate(null, options).Failures);
    }

    [Fact]
    public void Validate_CredentialFileProblems_EachHasItsMessage()
    {
        var options = Good();
        options.CredentialFile = _dir.Combine("missing");
        Assert.Equal([$"Agent:CredentialFile '{options.CredentialFile}' does not exist."], new AgentOptionsValidator().Validate(null, options).Failures);

        var open = _dir.Combine("world-readable");
        File.WriteAllText(open, "secret");
        File.SetUnixFileMode(open, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        options.CredentialFile = open;
        Assert.Equal([$"Agent:CredentialFile '{open}' must be readable by its owner only (chmod 600)."], new AgentOptionsValidator().Validate(null, options).Failures);

        var empty = _dir.Combine("empty");
        File.WriteAllText(empty, "\n  \n");
        File.SetUnixFileMode(empty, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        options.CredentialFile = empty;
        Assert.Equal([$"Agent:CredentialFile '{empty}' is empty."], new AgentOptionsValidator().Validate(null, options).Failures);
    }

    [Fact]
    public void Validate_RelativeDataRoot_SaysItMustBeAbsolute()
    {
        var options = Good();
        options.DataRoot = "var/zlh";

        Assert.Equal(["Agent:DataRoot must be an absolute directory path (got 'var/zlh')."], new AgentOptionsValidator().Validate(null, options).Failures);
    }

    [Fact]
    public void ValidateCluster_BadGatewaysAndDurations_OneMessageEach()
    {
        var options = new ClusterLinkOptions { HeartbeatInterval = TimeSpan.Zero, CallTimeout = TimeSpan.FromSeconds(-1) };
        options.Gateways.Add("127.0.0.1:30000");
        options.Gateways.Add("127.0.0.1");
        options.Gateways.Add("127.0.0.1:70000");

        var failures = new ClusterLinkOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(
            [
                "Agent:Cluster:Gateways:1 '127.0.0.1' is not host:port.",
                "Agent:Cluster:Gateways:2 '127.0.0.1:70000' is not host:port.",
                "Agent:Cluster:HeartbeatInterval must be between 00:00:00.1 and 00:05:00 (got 00:00:00).",
                "Agent:Cluster:CallTimeout must be positive (got -00:00:01).",
            ],
            failures);
    }

    [Fact]
    public void ValidateCluster_NoGateways_SaysHowToWriteOne()
    {
        var failures = new ClusterLinkOptionsValidator().Validate(null, new ClusterLinkOptions()).Failures;

        Assert.Equal(["Agent:Cluster:Gateways must list at least one silo gateway as host:port (e.g. 127.0.0.1:30000)."], failures);
    }

    [Fact]
    public void ValidateSupervision_BadPolicy_OneMessageEach()
    {
        var options = new SupervisionOptions { MaxConsecutiveCrashes = 0, StopTimeout = TimeSpan.Zero, LogTailLines = 0 };
        options.Backoff.Add(TimeSpan.FromSeconds(30));
        options.Backoff.Add(TimeSpan.Zero);

        var failures = new SupervisionOptionsValidator().Validate(null, options).Failures;

        Assert.Equal(
            [
                "Agent:Supervision:Backoff:1 must be a positive duration (got 00:00:00).",
                "Agent:Supervision:MaxConsecutiveCrashes must be at least 1 (got 0).",
                "Agent:Supervision:StopTimeout must be positive (got 00:00:00).",
                "Agent:Supervision:LogTailLines must be between 1 and 10000 (got 0).",
            ],
            failures);
    }

    [Fact]
    public void SupervisionOptions_Defaults_AreDesignNumbers()
    {
        var options = new SupervisionOptions();

        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120)], options.EffectiveBackoff);
        Assert.Equal(TimeSpan.FromSeconds(30), options.StableUptime);
        Assert.Equal(4, options.MaxConsecutiveCrashes);
        Assert.Equal(50, options.LogTailLines);
        Assert.Equal(8192, options.LogTailBytes);
    }

    [Fact]
    public async Task Agent_BadConfiguration_ExitsWithCode2AndEveryProblem()
    {
        var (exitCode, stderr) = await RunAgentAsync(
            "--Agent:ContainerId=7", "--Agent:Kind=game", "--Agent:DataRoot=" + _dir.Combine("data"),
            "--Agent:CredentialFile=" + _dir.Combine("nope"), "--Agent:Cluster:Gateways:0=localhost", "--Agent:Supervision:StableUptime=00:00:00");

        Assert.Equal(2, exitCode);
        Assert.Contains("zlh-agent: the configuration is invalid:", stderr, StringComparison.Ordinal);
        Assert.Contains("  - Agent:ContainerId must be a container id from 100 to 999999999 (got 7).", stderr, StringComparison.Ordinal);
        Assert.Contains($"  - Agent:CredentialFile '{_dir.Combine("nope")}' does not exist.", stderr, StringComparison.Ordinal);
        Assert.Contains("  - Agent:Cluster:Gateways:0 'localhost' is not host:port.", stderr, StringComparison.Ordinal);
        Assert.Contains("  - Agent:Supervision:StableUptime must be positive (got 00:00:00).", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateOutbox_BadLimits_OneMessageEachNamingTheKey()
    {
        var failures = new OutboxOptionsValidator().Validate(null, new OutboxOptions { Capacity = 0, BatchSize = 101 }).Failures;

        Assert.Equal(
            [
                "Agent:Outbox:Capacity must be at least 1.",
                "Agent:Outbox:BatchSize must be between 1 and 100 (the silo refuses larger reports).",
            ],
            failures);
    }

    [Fact]
    public void ValidateGameServer_BadValues_OneMessageEachNamingTheKey()
    {
        var options = new GameServerOptions
        {
            ServerDirectory = "server", RunDirectory = "run", ExitPollInterval = TimeSpan.Zero, LaunchTimeout = TimeSpan.Zero,
            MaxConsoleLogBytes = (1024 * 1024) - 1, ConsoleLogCheckInterval = TimeSpan.Zero,
        };

        var failures = new GameServerOptionsValidator().Validate(null, options).Failures;

        Assert.Equal(
            [
                "Agent:Game:ExitPollInterval must be positive.",
                "Agent:Game:LaunchTimeout must be positive.",
                "Agent:Game:MaxConsoleLogBytes must be at least 1048576.",
                "Agent:Game:ConsoleLogCheckInterval must be positive.",
                "Agent:Game:ServerDirectory must be an absolute path.",
                "Agent:Game:RunDirectory must be an absolute path.",
            ],
            failures);
    }

    [Fact]
    public async Task Agent_BadOutboxAndGameOptions_ExitsWithCode2NamingEachKey()
    {
        var (exitCode, stderr) = await RunAgentAsync(
            "--Agent:ContainerId=700", "--Agent:Kind=game", "--Agent:DataRoot=" + _dir.Combine("data"),
            "--Agent:CredentialFile=" + _dir.Combine("nope"), "--Agent:Cluster:Gateways:0=127.0.0.1:1",
            "--Agent:Outbox:Capacity=0", "--Agent:Outbox:BatchSize=101", "--Agent:Game:LaunchTimeout=00:00:00", "--Agent:Game:RunDirectory=run");

        Assert.Equal(2, exitCode);
        Assert.Contains("  - Agent:Outbox:Capacity must be at least 1.", stderr, StringComparison.Ordinal);
        Assert.Contains("  - Agent:Outbox:BatchSize must be between 1 and 100 (the silo refuses larger reports).", stderr, StringComparison.Ordinal);
        Assert.Contains("  - Agent:Game:LaunchTimeout must be positive.", stderr, StringComparison.Ordinal);
        Assert.Contains("  - Agent:Game:RunDirectory must be an absolute path.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_DevKindWithBadDevOption_ReportedWithTheOthers()
    {
        var credential = _dir.Combine("credential");
        File.WriteAllText(credential, "c2VjcmV0");
        File.SetUnixFileMode(credential, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (exitCode, stderr) = await RunAgentAsync(
            "--Agent:ContainerId=700", "--Agent:Kind=dev", "--Agent:DataRoot=" + _dir.Combine("data"),
            "--Agent:CredentialFile=" + credential, "--Agent:Cluster:Gateways:0=127.0.0.1:1", "--Agent:Cluster:CallTimeout=00:00:00",
            "--Agent:Dev:Term=");

        // The dev workload is wired in: its options are validated together with the agent's own.
        Assert.Equal(2, exitCode);
        Assert.Contains("  - Agent:Cluster:CallTimeout must be positive (got 00:00:00).", stderr, StringComparison.Ordinal);
        Assert.Contains("  - Agent:Dev:Term must be a terminal name such as xterm-256color", stderr, StringComparison.Ordinal);
    }

    /// <summary>Runs the agent with <paramref name="arguments"/> until it exits; its exit code and stderr.</summary>
    private static async Task<(int ExitCode, string Stderr)> RunAgentAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.AgentDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var agent = Process.Start(start)!;
        var stdout = agent.StandardOutput.ReadToEndAsync();
        var stderr = await agent.StandardError.ReadToEndAsync();
        await stdout;
        await agent.WaitForExitAsync();
        return (agent.ExitCode, stderr);
    }

    private AgentOptions Good()
    {
        var credential = _dir.Combine("credential");
        File.WriteAllText(credential, "c2VjcmV0LWNyZWRlbnRpYWw\n");
        File.SetUnixFileMode(credential, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new AgentOptions { ContainerId = 4242, Kind = "game", CredentialFile = credential, DataRoot = _dir.Combine("data") };
    }
}
