using System.Diagnostics;
using System.Globalization;

namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>
/// The clean-up every end-to-end run relies on, against real processes laid out as an agent lays out a game server:
/// a shim in a session of its own under <c>agents/ID/game/run</c>, the server its child, working in <c>game/server</c>.
/// </summary>
public sealed class RunProcessesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("zlh-run-processes-").FullName;
    private readonly List<Process> _started = [];

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task StopGameServers_ServerInTheLaunchRecord_ShimAndServerEndedAndNothingRemains()
    {
        var (shim, server) = await StartGameServerAsync(7);
        File.WriteAllText(Path.Combine(_root, "agents", "7", "game", "run", "launch.json"), $$"""
            {
              "LaunchId": "{{Guid.NewGuid()}}",
              "Shim": { "Pid": {{shim}}, "StartTicks": {{RunProcesses.StartTicks(shim)}} },
              "Server": { "Pid": {{server}}, "StartTicks": {{RunProcesses.StartTicks(server)}} },
              "StartedAt": "2026-11-30T12:00:00+00:00",
              "StopRequested": false
            }
            """);
        Assert.Equal(2, RunProcesses.Under(_root).Count);

        RunProcesses.StopGameServers(_root);

        Assert.Empty(await RunProcesses.LeftOverAsync(_root));
        Assert.Null(RunProcesses.StartTicks(server));
    }

    [Fact]
    public async Task StopGameServers_NoLaunchRecord_ShimFoundByItsScriptAndEndedWithItsServer()
    {
        var (_, server) = await StartGameServerAsync(8);

        RunProcesses.StopGameServers(_root);

        Assert.Empty(await RunProcesses.LeftOverAsync(_root));
        Assert.Null(RunProcesses.StartTicks(server));
    }

    [Fact]
    public async Task LeftOverAsync_ProcessWorkingInsideTheRoot_ReportedAndEnded()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "agents", "9", "dev")).FullName;
        var process = Start(new ProcessStartInfo("sleep", ["300"]) { WorkingDirectory = folder });

        var leftOver = await RunProcesses.LeftOverAsync(_root);

        Assert.Equal(new[] { $"{process.Id.ToString(CultureInfo.InvariantCulture)}: sleep 300" }, leftOver);
        await process.WaitForExitAsync();
        Assert.Empty(RunProcesses.Under(_root));
    }

    /// <summary>A shim and its server as the agent starts them; returns both PIDs once the server runs.</summary>
    private async Task<(int Shim, int Server)> StartGameServerAsync(int id)
    {
        var run = Directory.CreateDirectory(Path.Combine(_root, "agents", id.ToString(CultureInfo.InvariantCulture), "game", "run")).FullName;
        var serverDirectory = Directory.CreateDirectory(Path.Combine(_root, "agents", id.ToString(CultureInfo.InvariantCulture), "game", "server")).FullName;
        var script = Path.Combine(run, "shim.sh");
        File.WriteAllText(script, "sh -c 'exec sleep 300' &\necho $!\nwait\n");
        var shim = Start(new ProcessStartInfo("setsid", ["/bin/sh", script, run, "sleep 300"]) { WorkingDirectory = serverDirectory, RedirectStandardOutput = true });
        var server = int.Parse((await shim.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
        return (shim.Id, server);
    }

    private Process Start(ProcessStartInfo info)
    {
        var process = Process.Start(info)!;
        _started.Add(process);
        return process;
    }
}
