using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Processes;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 20, agent footprint: an agent runs in every container, so its idle cost is paid once per container. Each
/// round starts one real game agent (supervising a server that only sleeps) and one real dev agent (no code-server)
/// side by side against the real silo, waits until the silo has taken each one's first heartbeat, lets them settle,
/// then reads their resident memory and thread count and their CPU over an idle window from /proc.
/// </summary>
internal sealed class AgentFootprint : IScenario
{
    private const double TargetRssMiB = 40;
    private const double TargetCpuPercentOfCore = 0.5;
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    public string Name => "agent-footprint";

    public string Title => "20 Agent footprint";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        // Quick mode stays within ~30 s for the whole scenario; a full run settles longer and idles over a longer window.
        var settle = context.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10);
        var window = context.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(20);
        await using var rig = await TunnelRig.StartAsync(context, Name, cancellationToken);

        // The published single file (./zlh publish-agent: Release, self-contained) joins a full run as a third agent when
        // present, which also proves it connects and heartbeats. Not in quick mode: the test suite runs that, and a
        // file published from an older checkout may no longer match the silo's contracts.
        var published = Path.Combine(context.RepositoryRoot, ".zlh", "agent", "zlh-agent");
        List<Variant> variants = [new("game", "game", null), new("dev", "dev", null)];
        if (!context.Quick && File.Exists(published))
        {
            variants.Add(new("game (published single file)", "game", published));
        }

        var work = Path.Combine(context.LogDirectory, Name + "-work");
        var samples = variants.ToDictionary(v => v.Label, _ => new List<Sample>());
        for (var round = 0; round < context.Rounds; round++)
        {
            var directory = Path.Combine(work, $"round-{round + 1}");
            var measured = await RoundAsync(context, rig, variants, directory, ContainerId.Min + (round * variants.Count), settle, window, cancellationToken);
            for (var k = 0; k < variants.Count; k++)
            {
                samples[variants[k].Label].Add(measured[k]);
                context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {round + 1} {variants[k].Label}: {measured[k].RssMiB:0.0} MiB, {measured[k].CpuPercentOfCore:0.00}% of a core, {measured[k].Threads} threads, connected in {measured[k].ConnectMs:0} ms"));
            }
        }

        var figures = new List<Figure>();
        foreach (var kind in variants.Select(v => v.Label))
        {
            var rss = Summary.Of(samples[kind].Select(s => s.RssMiB).ToList());
            var cpu = Summary.Of(samples[kind].Select(s => s.CpuPercentOfCore).ToList());
            figures.Add(new Figure($"{kind} agent idle RSS", "MiB", rss, Target: $"≤ {TargetRssMiB} MiB", Met: rss.Median <= TargetRssMiB));
            figures.Add(new Figure($"{kind} agent idle CPU", "% of a core", cpu, Target: $"≤ {TargetCpuPercentOfCore}%", Met: cpu.Median <= TargetCpuPercentOfCore));
            figures.Add(new Figure($"{kind} agent threads", "threads", Summary.Of(samples[kind].Select(s => (double)s.Threads).ToList())));
            figures.Add(new Figure($"{kind} agent start → first heartbeat taken", "ms", Summary.Of(samples[kind].Select(s => s.ConnectMs).ToList())));
        }

        var publishedNote = variants.Count > 2 ? ", and the published single file"
            : context.Quick ? ", not the published single file in a quick run"
            : ", no published single file: run ./zlh publish-agent to measure it too";
        var note = string.Create(
            CultureInfo.InvariantCulture,
            $"real agent processes (the build's framework-dependent agent{publishedNote}), one of each per round, side by side; connected = the silo's status shows a heartbeat; RSS (VmRSS) and threads after {settle.TotalSeconds:0} s settling, CPU (utime+stime from /proc/<pid>/stat) over {window.TotalSeconds:0} s idle; the game agent supervises `sleep`, the dev agent has no code-server; shared noisy machine");
        return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, note, 0);
    }

    private static async Task<Sample[]> RoundAsync(
        BenchContext context, TunnelRig rig, IReadOnlyList<Variant> variants, string directory, long firstId, TimeSpan settle, TimeSpan window, CancellationToken cancellationToken)
    {
        var agents = new List<ChildProcess>();
        try
        {
            var started = new long[variants.Count];
            for (var k = 0; k < variants.Count; k++)
            {
                var id = firstId + k;
                var credential = await ProvisionAsync(rig, variants[k].Kind, id);
                var agentDirectory = Path.Combine(directory, id.ToString(CultureInfo.InvariantCulture));
                var settings = new Dictionary<string, string>
                {
                    ["Agent__Kind"] = variants[k].Kind,
                    ["Agent__Dev__DataRoot"] = Path.Combine(agentDirectory, "dev"),
                    ["Agent__Dev__ManageUser"] = "false",
                };
                started[k] = Stopwatch.GetTimestamp();
                agents.Add(await GameAgentProcess.StartAsync(context, rig, "agent-footprint", id, agentDirectory, credential, settings, cancellationToken, variants[k].Executable));
            }

            var connectMs = new double[variants.Count];
            for (var k = 0; k < variants.Count; k++)
            {
                await WaitForHeartbeatAsync(rig, variants[k].Kind, firstId + k, agents[k], started[k], cancellationToken);
                connectMs[k] = Stopwatch.GetElapsedTime(started[k]).TotalMilliseconds;
            }

            await Task.Delay(settle, cancellationToken);
            var samplers = agents.Select(a => new ProcessSampler(a.Pid)).ToArray();
            var rss = samplers.Select(s => s.RssBytes() / 1024.0 / 1024.0).ToArray();
            var threads = agents.Select(a => Threads(a.Pid)).ToArray();
            var cpuAtStart = samplers.Select(s => s.CpuTime()).ToArray();
            var windowStarted = Stopwatch.GetTimestamp();
            await Task.Delay(window, cancellationToken);
            var wall = Stopwatch.GetElapsedTime(windowStarted);
            return [.. Enumerable.Range(0, variants.Count).Select(k => new Sample(
                rss[k], (samplers[k].CpuTime() - cpuAtStart[k]) / wall * 100, threads[k], connectMs[k]))];
        }
        finally
        {
            foreach (var agent in agents)
            {
                agent.Kill();
            }
        }
    }

    private static async Task<string> ProvisionAsync(TunnelRig rig, string kind, long id)
    {
        CallAs.GatewayWithKey(rig.ServiceKey);
        var provisioned = kind == "game"
            ? await rig.Client.GetGrain<IGameServerGrain>(id).ProvisionAsync(Provisioning.Owner, new GameServerSpec("generic", "sleep 3600", null, 256))
            : await rig.Client.GetGrain<IDevContainerGrain>(id).ProvisionAsync(Provisioning.Owner, new DevContainerSpec("node", null, EnableCodeServer: false));
        return provisioned.AgentCredential;
    }

    // Polls the grain's status every 5 ms: up to 5 ms (plus one call) of the figure is polling.
    private static async Task WaitForHeartbeatAsync(TunnelRig rig, string kind, long id, ChildProcess agent, long started, CancellationToken cancellationToken)
    {
        // The kind's own interface: IContainerGrain alone names two grain classes.
        IContainerGrain grain = kind == "game" ? rig.Client.GetGrain<IGameServerGrain>(id) : rig.Client.GetGrain<IDevContainerGrain>(id);
        while (true)
        {
            CallAs.GatewayWithKey(rig.ServiceKey);
            var status = await grain.GetStatusAsync(Provisioning.Owner);
            if (status.LastHeartbeatAt is not null)
            {
                return;
            }

            if (agent.HasExited || Stopwatch.GetElapsedTime(started) > GiveUpAfter)
            {
                throw new TimeoutException($"the agent of container {id} took no heartbeat within {GiveUpAfter.TotalSeconds:0} s (see its log)");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
        }
    }

    private static int Threads(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                return int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no Threads line (has the process exited?)");
    }

    private sealed record Variant(string Label, string Kind, string? Executable);

    private readonly record struct Sample(double RssMiB, double CpuPercentOfCore, int Threads, double ConnectMs);
}
