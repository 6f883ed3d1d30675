using System.Globalization;
using System.Net;
using System.Text.Json;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.FileTransfer;
using ZlhGrind.Benchmarks.Reporting;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Benchmarks.Scenarios;

/// <summary>
/// Issue 16: file bytes through the gateway and the real agent process (the resumable upload API in 8 MiB chunks, the
/// streamed download) over the agent-dialled socket (the production path) and, in a full run, as chunked calls
/// through the cluster (a second gateway without <c>Files:AgentTransferUrl</c>), against a direct loopback HTTP upload
/// and download of the same bytes to the same disk (a tiny Kestrel endpoint in this process), in alternating rounds;
/// the gateway's and the agent's resident memory while one large file is uploaded; and the bytes a resumed upload
/// sends again after its connection dropped mid-chunk.
/// </summary>
internal sealed class Files : IScenario
{
    private const double TargetRatio = 0.5;
    private const double TargetRssMiB = 32;
    private const long MiB = 1024 * 1024;
    private const string Socket = "agent-dialled socket";
    private const string Chunked = "chunked calls";
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(90);

    public string Name => "files";

    public string Title => "10 File transfer";

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var size = context.Quick ? 8 * MiB : 256 * MiB;
        var largeSize = context.Quick ? 32 * MiB : 2048 * MiB;

        await using var rig = await TunnelRig.StartAsync(context, Name, cancellationToken, allowDevTokens: true, agentFileTransfers: true);
        using var owner = await rig.OwnerClientAsync(cancellationToken);

        // A 2 GiB upload outlasts the owner client's 30 s timeout: the same token on a client without one.
        using var http = new HttpClient { BaseAddress = owner.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = owner.DefaultRequestHeaders.Authorization;
        var directory = Path.Combine(context.LogDirectory, Name + "-work");
        Directory.CreateDirectory(directory);

        var id = ContainerId.Min;
        var grain = rig.Client.GetGrain<IGameServerGrain>(id);
        CallAs.GatewayWithKey(rig.ServiceKey);
        var provisioned = await grain.ProvisionAsync(Provisioning.Owner, new GameServerSpec("generic", "sleep 3600", null, 256));
        var agentProcess = await GameAgentProcess.StartAsync(context, rig, Name, id, directory, provisioned.AgentCredential, new Dictionary<string, string>(), cancellationToken);
        try
        {
            var client = new UploadClient(http, $"/api/servers/{id}");
            await client.WaitForFilesAsync(GiveUpAfter, cancellationToken);
            var serverDirectory = Path.Combine(directory, "agent", "game", "server");
            await using var direct = await DirectFileServer.StartAsync(serverDirectory, cancellationToken);
            context.Progress(Name, "the agent's files answer through the gateway; the direct endpoint listens");

            var content = new GeneratedContent(size);
            var agentSampler = new Measuring.ProcessSampler(agentProcess.Pid);
            var socketProfile = new RelayCpuProfile(("gateway", rig.GatewaySampler), ("silo", rig.SiloSampler), ("agent", agentSampler));
            List<(string Variant, Func<int, CancellationToken, Task<(double Up, double Down)>> Measure)> variants =
            [
                ("direct", (r, ct) => DirectRoundAsync(direct, content, $"direct-{r}.bin", serverDirectory, ct)),
                (Socket, (r, ct) => GatewayRoundAsync(client, Socket, content, $"socket-{r}.bin", serverDirectory, socketProfile, ct)),
            ];
            List<RelayCpuProfile> profiles = [socketProfile];

            // Chunked calls side by side only in a full run: the quick run (inside ./zlh test) measures the production path.
            using var chunkedHttp = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            if (!context.Quick)
            {
                var (address, sampler) = await rig.StartSecondGatewayAsync(context, Name, agentFileTransfers: false, cancellationToken);
                chunkedHttp.BaseAddress = address;
                chunkedHttp.DefaultRequestHeaders.Authorization = owner.DefaultRequestHeaders.Authorization;
                var chunkedClient = new UploadClient(chunkedHttp, $"/api/servers/{id}");
                var chunkedProfile = new RelayCpuProfile(("gateway", sampler), ("silo", rig.SiloSampler), ("agent", agentSampler));
                variants.Add((Chunked, (r, ct) => GatewayRoundAsync(chunkedClient, Chunked, content, $"chunked-{r}.bin", serverDirectory, chunkedProfile, ct)));
                profiles.Add(chunkedProfile);
            }

            var throughput = await AlternatingRounds.RunAsync(
                context.Rounds,
                variants,
                (r, variant, result) => context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"round {r + 1} {variant}: upload {result.Up:0.#} MiB/s, download {result.Down:0.#} MiB/s")),
                cancellationToken);

            context.Progress(Name, $"uploading {largeSize / MiB} MiB while sampling the gateway's and the agent's memory");
            var memory = await MemoryDuringUploadAsync(client, new GeneratedContent(largeSize), rig.GatewaySampler, new Measuring.ProcessSampler(agentProcess.Pid), serverDirectory, cancellationToken);
            context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"RSS growth: gateway {memory.GatewayMiB:0.#} MiB, agent {memory.AgentMiB:0.#} MiB ({memory.MiBps:0.#} MiB/s)"));

            var resumed = await ResumeAfterDropAsync(client, new GeneratedContent(2 * UploadClient.ChunkBytes + (3 * MiB)), serverDirectory, cancellationToken);
            context.Progress(Name, string.Create(CultureInfo.InvariantCulture, $"resume: {resumed.Resent / (double)MiB:0.##} MiB sent twice, {resumed.AfterDrop / (double)MiB:0.##} MiB after the drop"));

            Summary Of(string variant, Func<(double Up, double Down), double> value) => Summary.Of(throughput[variant].Select(value).ToList());
            Summary Ratio(string variant, Func<(double Up, double Down), double> value) =>
                Summary.Of(throughput[variant].Select((g, i) => value(g) / value(throughput["direct"][i])).ToList());
            List<Figure> figures =
            [
                new("upload, direct loopback HTTP to the same disk", "MiB/s", Of("direct", t => t.Up)),
                new("download, direct loopback HTTP from the same disk", "MiB/s", Of("direct", t => t.Down)),
            ];
            foreach (var variant in variants.Skip(1).Select(v => v.Variant))
            {
                var upRatio = Ratio(variant, t => t.Up);
                var downRatio = Ratio(variant, t => t.Down);
                figures.Add(new($"upload through the gateway, {variant} (8 MiB chunks)", "MiB/s", Of(variant, t => t.Up), upRatio, "direct", $"≥ {TargetRatio}× direct", upRatio.Median >= TargetRatio));
                figures.Add(new($"download through the gateway, {variant}", "MiB/s", Of(variant, t => t.Down), downRatio, "direct", $"≥ {TargetRatio}× direct", downRatio.Median >= TargetRatio));
            }

            figures.AddRange(
            [
                new($"gateway RSS growth during a {largeSize / MiB} MiB upload ({Socket})", "MiB", Summary.Of([memory.GatewayMiB]), Target: $"≤ {TargetRssMiB} MiB", Met: memory.GatewayMiB <= TargetRssMiB),
                new($"agent RSS growth during a {largeSize / MiB} MiB upload ({Socket})", "MiB", Summary.Of([memory.AgentMiB]), Target: $"≤ {TargetRssMiB} MiB", Met: memory.AgentMiB <= TargetRssMiB),
                new($"that upload's rate", "MiB/s", Summary.Of([memory.MiBps])),
                new("bytes sent twice by an upload resumed after a drop mid-chunk", "MiB", Summary.Of([resumed.Resent / (double)MiB]), Target: $"< one chunk ({UploadClient.ChunkBytes / MiB} MiB)", Met: resumed.Resent < UploadClient.ChunkBytes),
                new("bytes the resumed upload sent after the drop", "MiB", Summary.Of([resumed.AfterDrop / (double)MiB])),
            ]);
            figures.AddRange(profiles.SelectMany(p => p.Figures()));
            var note = string.Create(
                CultureInfo.InvariantCulture,
                $"the real gateway, silo and agent processes on loopback; {size / MiB} MiB per round and variant, the direct variant a Kestrel endpoint in the benchmark process writing to and reading from the agent's server directory; the gateway upload is the resumable API (POST uploads, PUT chunks with Content-Digest, complete); {Socket}: the gateway with Files:AgentTransferUrl (the agent dials a socket per transfer){(context.Quick ? $"; quick mode: no {Chunked} variant, and the memory upload is {largeSize / MiB} MiB instead of 2 GiB" : $"; {Chunked}: a second gateway on the same silo without it")}");
            return new ScenarioResult(Name, Title, ScenarioStatus.Measured, figures, note, 0);
        }
        finally
        {
            agentProcess.Kill();
        }
    }

    private static async Task<(double Up, double Down)> DirectRoundAsync(DirectFileServer direct, GeneratedContent content, string name, string serverDirectory, CancellationToken cancellationToken)
    {
        try
        {
            var up = await Rate(content.Length, () => direct.UploadAsync(name, content, cancellationToken));
            var down = await Rate(content.Length, async () => Check(content.Length, await direct.DownloadAsync(name, cancellationToken)));
            return (up, down);
        }
        finally
        {
            File.Delete(Path.Combine(serverDirectory, name));
        }
    }

    private static async Task<(double Up, double Down)> GatewayRoundAsync(
        UploadClient client, string variant, GeneratedContent content, string name, string serverDirectory, RelayCpuProfile profile, CancellationToken cancellationToken)
    {
        try
        {
            var up = await profile.RateAsync($"upload, {variant}", content.Length, () => client.UploadAsync(name, content, cancellationToken));
            var down = await profile.RateAsync($"download, {variant}", content.Length, async () => Check(content.Length, await client.DownloadAsync(name, cancellationToken)));
            return (up, down);
        }
        finally
        {
            File.Delete(Path.Combine(serverDirectory, name));
        }
    }

    private static async Task<(double GatewayMiB, double AgentMiB, double MiBps)> MemoryDuringUploadAsync(
        UploadClient client, GeneratedContent content, Measuring.ProcessSampler gateway, Measuring.ProcessSampler agent, string serverDirectory, CancellationToken cancellationToken)
    {
        const string name = "large.bin";
        var gatewayBefore = gateway.RssBytes();
        var agentBefore = agent.RssBytes();
        long gatewayPeak = gatewayBefore, agentPeak = agentBefore;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampling = Task.Run(
            async () =>
            {
                using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
                while (await tick.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    gatewayPeak = Math.Max(gatewayPeak, gateway.RssBytes());
                    agentPeak = Math.Max(agentPeak, agent.RssBytes());
                }
            },
            CancellationToken.None);
        try
        {
            var rate = await Rate(content.Length, () => client.UploadAsync(name, content, cancellationToken));
            return ((gatewayPeak - gatewayBefore) / (double)MiB, (agentPeak - agentBefore) / (double)MiB, rate);
        }
        finally
        {
            await stop.CancelAsync();
            await sampling.ContinueWith(_ => { }, TaskScheduler.Default);
            File.Delete(Path.Combine(serverDirectory, name));
        }
    }

    /// <summary>Sends chunk 0, drops the connection halfway through chunk 1, then resumes from the upload's state.</summary>
    private static async Task<(long Resent, long AfterDrop)> ResumeAfterDropAsync(UploadClient client, GeneratedContent content, string serverDirectory, CancellationToken cancellationToken)
    {
        const string name = "resumed.bin";
        try
        {
            var upload = await client.BeginAsync(name, content, cancellationToken);
            long sent = await client.PutChunkAsync(upload, content, 0, cancellationToken);
            sent += await client.PutChunkDroppedAsync(upload, content, 1, UploadClient.ChunkBytes / 2, cancellationToken);

            // The gateway aborts the dropped chunk's write once it sees the reset: wait until the state is settled.
            var received = await Wait.UntilAsync(
                async () => await client.ReceivedAsync(upload, cancellationToken) is { Count: 1 } r ? r : null,
                GiveUpAfter,
                "the dropped chunk aborted");
            long afterDrop = 0;
            for (var index = 0; index < upload.ChunkCount; index++)
            {
                if (!received.Contains(index))
                {
                    afterDrop += await client.PutChunkAsync(upload, content, index, cancellationToken);
                }
            }

            await client.CompleteAsync(upload, cancellationToken);
            return (sent + afterDrop - content.Length, afterDrop);
        }
        finally
        {
            File.Delete(Path.Combine(serverDirectory, name));
        }
    }

    private static async Task<double> Rate(long bytes, Func<Task> transfer)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await transfer();
        return bytes / (double)MiB / System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static void Check(long expected, long received)
    {
        if (expected != received)
        {
            throw new InvalidOperationException($"downloaded {received} bytes of {expected}");
        }
    }
}
