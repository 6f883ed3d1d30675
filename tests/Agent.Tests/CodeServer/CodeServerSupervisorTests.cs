using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.Tests.CodeServer;

[Collection(CodeServerCollection.Name)]
public sealed class CodeServerSupervisorTests
{
    [Fact]
    public async Task StartAsync_InstalledStandIn_AnswersIsFoundInProcAndStopsOnRequest()
    {
        await using var harness = await DevHarness.StartAsync();
        await harness.Environment.EnsureAsync(CancellationToken.None);

        var installed = await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        var again = await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        await harness.CodeServer.StartAsync(CancellationToken.None);
        var pid = harness.CodeServer.Pid!.Value;
        var found = harness.Scanner.Find();
        var commandLine = new ProcFs().Read(pid)!.CommandLine;
        using var http = new HttpClient();
        var health = await http.GetStringAsync(new Uri($"http://{harness.CodeServer.Endpoint}/healthz"));

        Assert.True(installed);
        Assert.False(again);
        Assert.True(File.Exists(Path.Combine(harness.Root.Path, "data", "services", "code-server", "bin", "code-server")));
        Assert.Equal(CodeServerState.Running, harness.CodeServer.State);
        Assert.Equal($"127.0.0.1:{harness.Port}", harness.CodeServer.Endpoint);
        Assert.Equal(pid, found?.Pid);
        Assert.Equal(harness.Port, found?.Port);
        Assert.Contains($"127.0.0.1:{harness.Port}", commandLine);
        Assert.Contains("alive", health, StringComparison.Ordinal);

        // The workspace is code-server's positional folder argument, the last one, and the stand-in took it as such.
        var workspace = harness.Environment.User.Workspace;
        Assert.Equal(workspace, commandLine[^1]);
        Assert.Equal("--ignore-last-opened", commandLine[^2]);
        Assert.Equal(
            $$"""{"folder":{{System.Text.Json.JsonSerializer.Serialize(workspace)}}}""",
            await http.GetStringAsync(new Uri($"http://{harness.CodeServer.Endpoint}/__standin/folder")));

        await harness.CodeServer.StopAsync(CancellationToken.None);

        Assert.Equal(CodeServerState.Stopped, harness.CodeServer.State);
        Assert.Null(harness.CodeServer.Pid);
        Assert.Null(new ProcFs().Read(pid));
        Assert.Null(harness.Scanner.Find());
        Assert.Equal(
            [CodeServerState.Starting, CodeServerState.Running, CodeServerState.Stopped],
            harness.Events.OfType<CodeServerChanged>().Select(change => change.State));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReleaseAsync_AgentStops_StopsCodeServerOnlyWhenConfigured(bool stopOnAgentStop)
    {
        await using var harness = await DevHarness.StartAsync(settings: new() { ["Agent:CodeServer:StopOnAgentStop"] = stopOnAgentStop ? "true" : "false" });
        await harness.Environment.EnsureAsync(CancellationToken.None);
        await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        await harness.CodeServer.StartAsync(CancellationToken.None);
        var pid = harness.CodeServer.Pid!.Value;

        await harness.CodeServer.ReleaseAsync(CancellationToken.None);

        Assert.Equal(stopOnAgentStop, new ProcFs().Read(pid) is null);
        if (!stopOnAgentStop)
        {
            // Left serving for the next agent; this test ends it, as it started it.
            Process.GetProcessById(pid).Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Crash_KilledProcess_RestartedWithBackoff()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await DevHarness.StartAsync(time);
        await harness.Environment.EnsureAsync(CancellationToken.None);
        await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        await harness.CodeServer.StartAsync(CancellationToken.None);
        var first = harness.CodeServer.Pid!.Value;

        var seen = harness.Events.Events.Count;
        await ProcessRunner.RunAsync("kill", "-9", first.ToString(CultureInfo.InvariantCulture));
        var crash = await harness.Events.WaitForAsync<CodeServerChanged>(change => change.State == CodeServerState.Failed, seen);
        time.Advance(TimeSpan.FromSeconds(29));
        var beforeBackoff = (harness.CodeServer.State, harness.CodeServer.Pid);
        seen = harness.Events.Events.Count;
        time.Advance(TimeSpan.FromSeconds(1));
        await harness.Events.WaitForAsync<CodeServerChanged>(change => change.State == CodeServerState.Running, seen);
        var second = harness.CodeServer.Pid!.Value;

        Assert.Contains("exited with code 137", crash.Reason, StringComparison.Ordinal);
        Assert.Contains("restarting in 30s (crash 1)", crash.Reason, StringComparison.Ordinal);
        Assert.Equal((CodeServerState.Failed, (int?)null), beforeBackoff);
        Assert.NotEqual(first, second);
        Assert.Equal(second, harness.Scanner.Find()?.Pid);

        seen = harness.Events.Events.Count;
        await ProcessRunner.RunAsync("kill", "-9", second.ToString(CultureInfo.InvariantCulture));
        var secondCrash = await harness.Events.WaitForAsync<CodeServerChanged>(change => change.State == CodeServerState.Failed, seen);

        Assert.Contains("restarting in 60s (crash 2)", secondCrash.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdoptAsync_StartedOutsideTheAgent_FoundAdoptedNotDuplicatedAndStopped()
    {
        await using var harness = await DevHarness.StartAsync();
        await harness.Environment.EnsureAsync(CancellationToken.None);
        await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);

        // Started the way an operator would by hand, detached: its parent is not this process.
        await ProcessRunner.RunAsync(
            "/bin/sh",
            "-c",
            $"setsid '{harness.CodeServerInstaller.Launcher}' --bind-addr 127.0.0.1:{harness.Port} --auth none >/dev/null 2>&1 &");
        var outside = await Wait.UntilAsync(harness.Scanner.Find, TimeSpan.FromSeconds(20), "the detached code-server in /proc");
        var parent = new ProcFs().Read(outside.Pid)!.ParentPid;

        var adopted = await harness.CodeServer.AdoptAsync(CancellationToken.None);
        await harness.CodeServer.StartAsync(CancellationToken.None);
        var running = new ProcFs().Snapshot().Count(entry => entry.CommandLine.Any(argument => argument.StartsWith(harness.CodeServerInstaller.InstallDirectory + "/", StringComparison.Ordinal)));

        Assert.NotEqual(Environment.ProcessId, parent);
        Assert.True(adopted);
        Assert.Equal(outside.Pid, harness.CodeServer.Pid);
        Assert.Equal(CodeServerState.Running, harness.CodeServer.State);
        Assert.Equal(1, running);

        await harness.CodeServer.StopAsync(CancellationToken.None);

        Assert.False(new ProcFs().IsAlive(outside.Pid, outside.StartTicks));
        Assert.Equal(CodeServerState.Stopped, harness.CodeServer.State);
    }

    [Fact]
    public async Task AdoptAsync_AdoptedProcessDies_IsRestartedByTheAgent()
    {
        await using var harness = await DevHarness.StartAsync(
            settings: new() { ["Agent:CodeServer:Restart:InitialDelay"] = "00:00:00" });
        await harness.Environment.EnsureAsync(CancellationToken.None);
        await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        await ProcessRunner.RunAsync(
            "/bin/sh",
            "-c",
            $"setsid '{harness.CodeServerInstaller.Launcher}' --bind-addr 127.0.0.1:{harness.Port} --auth none >/dev/null 2>&1 &");
        var outside = await Wait.UntilAsync(harness.Scanner.Find, TimeSpan.FromSeconds(20), "the detached code-server in /proc");
        await harness.CodeServer.AdoptAsync(CancellationToken.None);
        using var http = new HttpClient();
        await Wait.UntilAsync(() => Answers(http, harness.Port), TimeSpan.FromSeconds(20), "the detached code-server to answer");

        var seen = harness.Events.Events.Count;
        await ProcessRunner.RunAsync("kill", "-9", outside.Pid.ToString(CultureInfo.InvariantCulture));
        var crash = await harness.Events.WaitForAsync<CodeServerChanged>(change => change.State == CodeServerState.Failed, seen);
        await harness.Events.WaitForAsync<CodeServerChanged>(change => change.State == CodeServerState.Running, seen);

        Assert.StartsWith("exited after", crash.Reason, StringComparison.Ordinal);
        Assert.NotEqual(outside.Pid, harness.CodeServer.Pid);
        Assert.Equal(harness.CodeServer.Pid, harness.Scanner.Find()?.Pid);
    }

    private static bool Answers(HttpClient http, int port)
    {
        try
        {
            using var response = http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz")).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
