using System.Globalization;
using Microsoft.Extensions.Configuration;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.ClusterTls;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 11: what TLS on the cluster links costs. Two silo processes side by side, one with plain TCP and one with
/// TLS (pinned CA, ECDSA P-256, as <c>./zlh up</c> runs it), each with the same fleet of agents heartbeating every 5 s
/// over its own client connections; rounds alternate between them, so both see the same machine.
/// </summary>
internal sealed class HeartbeatTls : IScenario
{
    private const int Clients = 4;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    public string Name => "heartbeat-tls";

    public string Title => "8 Heartbeats over TLS";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var fleet = context.Quick ? 250 : 2_000;
        var round = context.Quick ? Period * 0.4 : 2 * Period;
        var serviceKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var certificates = Path.Combine(context.LogDirectory, "tls");
        LocalCertificates.Create(certificates);
        var siloTls = LocalCertificates.Settings(certificates, ClusterTlsBuilderExtensions.Section, LocalCertificates.Silo)
            .ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        var clientTls = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalCertificates.Settings(certificates, ClusterTlsBuilderExtensions.Section, certificate: null))
            .Build();
        var grace = new Dictionary<string, string> { ["Containers__MissedHeartbeats"] = "24" };

        var plain = await SiloProcess.StartProgramAsync(context, "heartbeat-plain-silo", serviceKey, cancellationToken, grace);
        var tls = await SiloProcess.StartProgramAsync(context, "heartbeat-tls-silo", serviceKey, cancellationToken, grace.Concat(siloTls).ToDictionary());
        var clients = new List<OrleansClient>();
        try
        {
            var plainAgents = await FleetAsync(context, plain, null, fleet, serviceKey, clients, cancellationToken);
            var tlsAgents = await FleetAsync(context, tls, clientTls, fleet, serviceKey, clients, cancellationToken);

            var results = await AlternatingRounds.RunAsync(
                context.Rounds,
                [
                    ("plain", (_, ct) => PacedRoundAsync(plainAgents, plain, round, ct)),
                    ("tls", (_, ct) => PacedRoundAsync(tlsAgents, tls, round, ct)),
                ],
                (r, variant, result) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} {variant}: p99 {result.P99Ms:0.##} ms, silo CPU {result.CpuPercent:0.#}%, failed {result.Failures}")),
                cancellationToken);

            var off = results["plain"];
            var on = results["tls"];
            List<Figure> figures =
            [
                new($"heartbeat p99 at {fleet:N0} agents, TLS off", "ms", Summary.Of(off.Select(r => r.P99Ms).ToList())),
                new($"heartbeat p99 at {fleet:N0} agents, TLS on", "ms", Summary.Of(on.Select(r => r.P99Ms).ToList()), Summary.Of(on.Select((r, i) => r.P99Ms / off[i].P99Ms).ToList()), "TLS off"),
                new($"silo CPU at {fleet:N0} agents, TLS off", "% of machine", Summary.Of(off.Select(r => r.CpuPercent).ToList())),
                new($"silo CPU at {fleet:N0} agents, TLS on", "% of machine", Summary.Of(on.Select(r => r.CpuPercent).ToList()), Summary.Of(on.Select((r, i) => r.CpuPercent / off[i].CpuPercent).ToList()), "TLS off"),
            ];
            var failures = results.Values.Sum(rounds => rounds.Sum(r => r.Failures));
            var note = $"{fleet:N0} agents per silo heartbeat every {Period.TotalSeconds:0} s over {Clients} client connections (agents present no client certificate); one silo process with plain TCP, one with TLS 1.3 and the pinned CA, rounds alternating; {failures} heartbeats failed";
            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, context.Quick ? "quick mode: " + note : note, 0);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            plain.Kill();
            tls.Kill();
        }
    }

    private async Task<SimulatedAgent[]> FleetAsync(
        BenchContext context, SiloProcess silo, IConfiguration? tls, int fleet, string serviceKey, List<OrleansClient> clients, CancellationToken cancellationToken)
    {
        var own = new List<OrleansClient>();
        for (var i = 0; i < Clients; i++)
        {
            var client = await OrleansClient.ConnectAsync([silo.Endpoint.GatewayPort], "zlhgrind", TimeSpan.FromSeconds(30), cancellationToken, tls: tls);
            own.Add(client);
            clients.Add(client);
        }

        context.Progress(Name, $"provisioning {fleet:N0} game containers ({(tls is null ? "plain" : "TLS")})");
        var provisioned = await Provisioning.GameContainersAsync(own[0].Client, serviceKey, ZlhGrind.Grains.Containers.ContainerId.Min, fleet, cancellationToken);
        var agents = provisioned.Select((a, i) => a.Through(own[i % Clients].Client)).ToArray();
        await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (agent, _) => await agent.HeartbeatAsync());
        return agents;
    }

    private static async Task<Round> PacedRoundAsync(SimulatedAgent[] agents, SiloProcess silo, TimeSpan duration, CancellationToken cancellationToken)
    {
        var cpu = silo.Sampler.StartCpuWindow();
        var (recorder, _, _) = await PacedHeartbeats.RunAsync(agents, Period, duration, cancellationToken);
        return new Round(recorder.PercentileMs(99), cpu.MachinePercent(), recorder.Failures);
    }

    private sealed record Round(double P99Ms, double CpuPercent, long Failures);
}
