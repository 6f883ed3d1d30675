using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 7, scenario 7: a game server process exits; how long until its crash record is visible through the
/// gateway's API. Each round is a fresh container with the real agent process supervising a server that writes
/// the wall-clock time and exits 3; the benchmark polls <c>GET /api/servers/{id}/crashes</c> every 2 ms. The
/// restart backoff is set long, so it is not part of the figure.
/// </summary>
internal sealed class CrashReaction : IScenario
{
    private const double TargetMs = 100;
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    public string Name => "crash-reaction";

    public string Title => "7 Crash reaction";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await using var rig = await TunnelRig.StartAsync(context, Name, cancellationToken, allowDevTokens: true);
        using var http = await rig.OwnerClientAsync(cancellationToken);

        var work = Path.Combine(context.LogDirectory, Name + "-work");
        var reactions = new List<double>();
        for (var round = 0; round < context.Rounds; round++)
        {
            var ms = await RoundAsync(context, rig, http, Path.Combine(work, $"round-{round + 1}"), ContainerId.Min + round, cancellationToken);
            reactions.Add(ms);
            context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: crash record visible through the gateway {ms:0.#} ms after the exit"));
        }

        var summary = Summary.Of(reactions);
        List<Figure> figures = [new("process exit → crash record through the gateway API", "ms", summary, Target: $"≤ {TargetMs} ms", Met: summary.Median <= TargetMs)];
        var note = "the real agent process supervising a server that exits 3; exit time written by the server itself just before it exits; the API polled every 2 ms (up to 2 ms of the figure is polling); restart backoff set to 10 minutes, so no backoff wait is included";
        return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, note, 0);
    }

    private static async Task<double> RoundAsync(BenchContext context, TunnelRig rig, HttpClient http, string directory, long id, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var exitMarker = Path.Combine(directory, "exit_at");
        var grain = rig.Client.GetGrain<IGameServerGrain>(id);
        CallAs.GatewayWithKey(rig.ServiceKey);
        var provisioned = await grain.ProvisionAsync(Provisioning.Owner, new GameServerSpec(
            "generic", $"sh -c 'sleep 1; date +%s%N > {exitMarker}; exit 3'", null, 256));

        var agent = await GameAgentProcess.StartAsync(
            context, rig, "crash-reaction", id, directory, provisioned.AgentCredential, new Dictionary<string, string> { ["Agent__Supervision__Backoff__0"] = "00:10:00" }, cancellationToken);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await GameAgentProcess.PowerStartAsync(rig, grain, GiveUpAfter, cancellationToken);
            while (!File.Exists(exitMarker) || new FileInfo(exitMarker).Length == 0)
            {
                Deadline(started, "the server did not run and exit (see the agent's log)");
                await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken);
            }

            while (true)
            {
                using var response = await http.GetAsync($"/api/servers/{id}/crashes", cancellationToken);
                response.EnsureSuccessStatusCode();
                var crashes = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                if (crashes.GetArrayLength() > 0)
                {
                    var seenAt = DateTimeOffset.UtcNow;
                    var exitedAt = DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks(long.Parse((await File.ReadAllTextAsync(exitMarker, cancellationToken)).Trim(), CultureInfo.InvariantCulture) / 100);
                    return (seenAt - exitedAt).TotalMilliseconds;
                }

                Deadline(started, "no crash record appeared through the gateway");
                await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken);
            }
        }
        finally
        {
            agent.Kill();
        }
    }

    private static void Deadline(long started, string what)
    {
        if (Stopwatch.GetElapsedTime(started) > GiveUpAfter)
        {
            throw new TimeoutException($"{what} within {GiveUpAfter.TotalSeconds:0} s");
        }
    }
}
