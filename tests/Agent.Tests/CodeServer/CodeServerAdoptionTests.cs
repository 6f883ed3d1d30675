using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.Tests.CodeServer;

/// <summary>
/// Only the code-server listening on the configured port as the dev user, from this agent's install, is adopted: with
/// two stacks on one host, the other stack's IDE is neither taken over nor stopped.
/// </summary>
[Collection(CodeServerCollection.Name)]
public sealed class CodeServerAdoptionTests
{
    [Fact]
    public async Task AdoptAsync_CodeServerOnAnotherPort_NotAdoptedNorStoppedWhileTheOneOnThePortIs()
    {
        await using var harness = await PreparedHarnessAsync();
        var otherPort = FreePorts.Next();
        var elsewhere = await OutsideIde.StartAsync(harness, otherPort);
        try
        {
            var adoptedElsewhere = await harness.CodeServer.AdoptAsync(CancellationToken.None);
            var foundElsewhere = harness.Scanner.Find();
            await harness.CodeServer.StopAsync(CancellationToken.None);

            Assert.False(adoptedElsewhere);
            Assert.Null(foundElsewhere);
            Assert.True(elsewhere.IsAlive());
            Assert.Contains($"127.0.0.1:{otherPort}", new ProcFs().Read(elsewhere.Pid)!.CommandLine);
            Assert.Equal([(CodeServerState.Stopped, "stopped on request")], harness.Events.OfType<CodeServerChanged>().Select(change => (change.State, change.Reason)));

            var ours = await OutsideIde.StartAsync(harness, harness.Port);
            var adopted = await harness.CodeServer.AdoptAsync(CancellationToken.None);

            Assert.True(adopted);
            Assert.Equal(ours.Pid, harness.CodeServer.Pid);
            Assert.Equal(CodeServerState.Running, harness.CodeServer.State);

            await harness.CodeServer.StopAsync(CancellationToken.None);

            Assert.False(ours.IsAlive());
            Assert.True(elsewhere.IsAlive());
        }
        finally
        {
            elsewhere.Kill();
        }
    }

    [RootFact]
    public async Task AdoptAsync_OnTheConfiguredPortAsAnotherUser_NotAdoptedNorStopped()
    {
        await using var harness = await PreparedHarnessAsync();
        await using var user = await ThrowawayUser.CreateAsync();
        var foreign = await OutsideIde.StartAsync(harness, harness.Port, ["setpriv", $"--reuid={user.Uid}", $"--regid={user.Uid}", "--clear-groups"]);
        try
        {
            var adopted = await harness.CodeServer.AdoptAsync(CancellationToken.None);
            var found = harness.Scanner.Find();
            await harness.CodeServer.StopAsync(CancellationToken.None);

            Assert.Equal((user.Uid, user.Uid), new ProcFs().Uids(foreign.Pid));
            Assert.False(adopted);
            Assert.Null(found);
            Assert.True(foreign.IsAlive());
            Assert.Equal((CodeServerState.Stopped, (int?)null), (harness.CodeServer.State, harness.CodeServer.Pid));
        }
        finally
        {
            foreign.Kill();
        }
    }

    [Fact]
    public async Task StartAsync_PortHeldByAnotherProcess_FailsNamingItAndLeavesItListening()
    {
        await using var harness = await PreparedHarnessAsync();
        using var holder = new TcpListener(IPAddress.Loopback, harness.Port);
        holder.Start();

        await harness.CodeServer.StartAsync(CancellationToken.None);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, harness.Port);
        using var accepted = await holder.AcceptTcpClientAsync();

        var reason = $"port {harness.Port} is already in use by pid {Environment.ProcessId}, which is not this agent's code-server; not starting";
        Assert.Equal((CodeServerState.Failed, reason, (int?)null), (harness.CodeServer.State, harness.CodeServer.Reason, harness.CodeServer.Pid));
        Assert.Equal([(CodeServerState.Failed, reason)], harness.Events.OfType<CodeServerChanged>().Select(change => (change.State, change.Reason)));
        Assert.True(accepted.Connected);
    }

    [Fact]
    public async Task StopAsync_TwoAgentsOnOneHost_EachManagesOnlyItsOwnCodeServer()
    {
        var stopWithAgent = new Dictionary<string, string?> { ["Agent:CodeServer:StopOnAgentStop"] = "true" };
        await using var first = await DevHarness.StartAsync(settings: stopWithAgent);
        await using var second = await DevHarness.StartAsync(settings: stopWithAgent);
        await first.Workload.StartAsync(CancellationToken.None);
        await first.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        await first.CodeServer.StartAsync(CancellationToken.None);
        var firstProcess = OutsideIde.Of(first.CodeServer.Pid!.Value);

        // The second agent starts as an agent does (prepare, then adopt what is already running), then runs its own.
        await second.Workload.StartAsync(CancellationToken.None);
        var secondAdoptedAtStart = second.CodeServer.Pid;
        await second.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        await second.CodeServer.StartAsync(CancellationToken.None);
        var secondProcess = OutsideIde.Of(second.CodeServer.Pid!.Value);
        await second.Workload.StopAsync(CancellationToken.None);

        Assert.Null(secondAdoptedAtStart);
        Assert.NotEqual(firstProcess.Pid, secondProcess.Pid);
        Assert.False(secondProcess.IsAlive());
        Assert.True(firstProcess.IsAlive());
        Assert.Equal((CodeServerState.Running, firstProcess.Pid), (first.CodeServer.State, first.CodeServer.Pid));
        Assert.Equal(
            [CodeServerState.Starting, CodeServerState.Running, CodeServerState.Stopped],
            second.Events.OfType<CodeServerChanged>().Select(change => change.State));
        Assert.Equal(
            [CodeServerState.Starting, CodeServerState.Running],
            first.Events.OfType<CodeServerChanged>().Select(change => change.State));

        await first.Workload.StopAsync(CancellationToken.None);

        Assert.False(firstProcess.IsAlive());
    }

    private static async Task<DevHarness> PreparedHarnessAsync()
    {
        var harness = await DevHarness.StartAsync();
        await harness.Environment.EnsureAsync(CancellationToken.None);
        await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>A stand-in code-server started outside the agent (detached, as by hand), ended by this test by its pid.</summary>
    private sealed record OutsideIde(int Pid, ulong StartTicks)
    {
        public static async Task<OutsideIde> StartAsync(DevHarness harness, int port, string[]? asUser = null)
        {
            // Without job control the background job does not lead a group, so setsid execs in place and $! is the IDE's pid.
            var prefix = string.Join(' ', (asUser ?? []).Select(argument => $"'{argument}'"));
            var pid = int.Parse(
                await ProcessRunner.RunAsync(
                    "/bin/sh",
                    "-c",
                    $"cd /; {prefix} setsid '{harness.CodeServerInstaller.Launcher}' --bind-addr 127.0.0.1:{port} --auth none >/dev/null 2>&1 & echo $!"),
                CultureInfo.InvariantCulture);
            var started = Of(pid);
            var procFs = new ProcFs();
            try
            {
                // A cold ASP.NET start on a busy 2-core machine can take a while; this bounds it, it does not time it.
                await Wait.UntilAsync(
                    () => procFs.ProcessesHolding(procFs.ListeningSockets(IPAddress.Loopback, port)).Contains(pid),
                    TimeSpan.FromSeconds(60),
                    $"pid {pid} listening on port {port}");
            }
            catch (TimeoutException)
            {
                started.Kill();
                throw;
            }

            return started;
        }

        public static OutsideIde Of(int pid) =>
            new(pid, new ProcFs().Read(pid)?.StartTicks ?? throw new InvalidOperationException($"pid {pid} is gone"));

        public bool IsAlive() => new ProcFs().IsAlive(Pid, StartTicks);

        public void Kill()
        {
            Signals.Send(new ProcessIdentity(Pid, StartTicks), Signals.Kill);
        }
    }
}
