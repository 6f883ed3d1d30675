using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using ZlhGrind.Benchmarks.Agents;
using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Processes;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>
/// Everything the tunnel scenarios reach, each a process of its own on loopback: the upstream (the IDE stand-in),
/// a silo, the real gateway, and optionally the bare YARP forwarder, configurable-http-proxy and nginx. Dev containers are
/// set up through the real grain API the way the portal and the agent would: provision, the agent reports
/// Ready with code-server running at the upstream, a bootstrap token is issued and redeemed for a session.
/// </summary>
internal sealed class TunnelRig : IAsyncDisposable, IAgentObserver
{
    private readonly OrleansClient _client;
    private readonly string _serviceKey;
    private IAgentObserver? _observer;
    private string _signingKey = string.Empty;
    private bool _allowDevTokens;

    private TunnelRig(OrleansClient client, string serviceKey, int upstreamPort, ChildProcess gateway, int gatewayPort)
    {
        _client = client;
        _serviceKey = serviceKey;
        UpstreamPort = upstreamPort;
        Gateway = gateway;
        GatewayPort = gatewayPort;
        GatewaySampler = new ProcessSampler(gateway.Pid);
    }

    public int UpstreamPort { get; }

    public ChildProcess Gateway { get; }

    public int GatewayPort { get; }

    public ProcessSampler GatewaySampler { get; }

    public int? ForwarderPort { get; private set; }

    public ProcessSampler? ForwarderSampler { get; private set; }

    public int? ProxyPort { get; private set; }

    public ProcessSampler? ProxySampler { get; private set; }

    /// <summary>nginx in front of the same upstream, once <see cref="TryStartNginxAsync"/> found it.</summary>
    public NginxPeer? Nginx { get; private set; }

    public ProcessSampler UpstreamSampler { get; private init; } = null!;

    /// <summary>The silo process (its CPU, for scenarios that relay bytes through the cluster).</summary>
    public ProcessSampler SiloSampler { get; private init; } = null!;

    public IClusterClient Client => _client.Client;

    public string ServiceKey => _serviceKey;

    public int SiloGatewayPort { get; private init; }

    /// <summary>Starts the upstream, a silo and the gateway; agents keep a container "connected" for 30 minutes after one heartbeat.</summary>
    /// <remarks>With <paramref name="agentFileTransfers"/> the gateway's <c>Files:AgentTransferUrl</c> is its own loopback address (file content over agent-dialled sockets).</remarks>
    public static async Task<TunnelRig> StartAsync(
        BenchContext context, string scenario, CancellationToken cancellationToken, bool allowDevTokens = false, IReadOnlyDictionary<string, string>? siloSettings = null, bool agentFileTransfers = false)
    {
        var serviceKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var upstreamPort = FreePorts.Next();
        var upstream = Dotnet.Mode(context, "upstream");
        upstream.Environment["Bench__Port"] = upstreamPort.ToString(CultureInfo.InvariantCulture);
        var upstreamProcess = context.Children.Start(upstream, Path.Combine(context.LogDirectory, scenario + "-upstream.log"));

        // The tunnel is measured, not heartbeats: a long interval keeps many containers connected without a
        // heartbeat load competing for the two cores.
        var settings = new Dictionary<string, string>(siloSettings ?? new Dictionary<string, string>())
        {
            ["Containers__HeartbeatInterval"] = "00:10:00",
        };
        var silo = await SiloProcess.StartProgramAsync(context, scenario + "-silo", serviceKey, cancellationToken, settings);

        var gatewayPort = FreePorts.Next();
        var signingKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var gatewayProcess = StartGateway(context, scenario + "-gateway", gatewayPort, silo.Endpoint.GatewayPort, serviceKey, signingKey, upstreamPort, allowDevTokens, agentFileTransfers);

        await upstreamProcess.WaitForLineAsync(UpstreamServer.ReadyLine, TimeSpan.FromSeconds(60), cancellationToken);
        await SiloProcess.WaitForHttpAsync(gatewayProcess, new Uri($"http://127.0.0.1:{gatewayPort}/readyz"), cancellationToken);
        var client = await OrleansClient.ConnectAsync([silo.Endpoint.GatewayPort], "zlhgrind", TimeSpan.FromSeconds(30), cancellationToken);
        var rig = new TunnelRig(client, serviceKey, upstreamPort, gatewayProcess, gatewayPort)
        {
            UpstreamSampler = new ProcessSampler(upstreamProcess.Pid), SiloSampler = silo.Sampler, SiloGatewayPort = silo.Endpoint.GatewayPort, _signingKey = signingKey, _allowDevTokens = allowDevTokens,
        };
        rig._observer = client.Client.CreateObjectReference<IAgentObserver>(rig);

        CallAs.GatewayWithKey(serviceKey);
        RequestContext.Set(CallContextKeys.Operator, true);
        await client.Client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(new RuntimeEntry(
            "node", "22.1.0", "http://127.0.0.1:9/node-22.1.0.tar.gz", new string('a', 64), 1024, "bin", ["bin/node", "--version"]));
        return rig;
    }

    /// <summary>
    /// Starts a second gateway on the same silo, with the same keys (a dev token of the first works here), with or
    /// without agent-dialled file transfers; returns its address and its process's sampler.
    /// </summary>
    public async Task<(Uri Address, ProcessSampler Sampler)> StartSecondGatewayAsync(BenchContext context, string scenario, bool agentFileTransfers, CancellationToken cancellationToken)
    {
        var port = FreePorts.Next();
        var process = StartGateway(context, scenario + "-gateway-2", port, SiloGatewayPort, _serviceKey, _signingKey, UpstreamPort, _allowDevTokens, agentFileTransfers);
        var address = new Uri($"http://127.0.0.1:{port}");
        await SiloProcess.WaitForHttpAsync(process, new Uri(address, "/readyz"), cancellationToken);
        return (address, new ProcessSampler(process.Pid));
    }

    private static ChildProcess StartGateway(
        BenchContext context, string name, int port, int siloGatewayPort, string serviceKey, string signingKey, int upstreamPort, bool allowDevTokens, bool agentFileTransfers)
    {
        var gateway = Dotnet.Start(Dotnet.Program(context, Path.Combine("src", "Gateway"), "ZlhGrind.Gateway"));
        gateway.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        gateway.Environment["urls"] = $"http://127.0.0.1:{port}";
        gateway.Environment["Cluster__Mode"] = "Localhost";
        gateway.Environment["Cluster__GatewayPort"] = siloGatewayPort.ToString(CultureInfo.InvariantCulture);
        gateway.Environment["Cluster__ServiceKey"] = serviceKey;
        gateway.Environment["Auth__SigningKey"] = signingKey;
        gateway.Environment["IdeTunnel__AllowedUpstreamNetworks__0"] = "127.0.0.1/32";
        gateway.Environment["IdeTunnel__ExplicitUpstreams__0"] = $"127.0.0.1:{upstreamPort}";

        // The load generator stands for many browsers behind one loopback address; the per-address lookup budget is
        // for one real client, so it is lifted here (route scale visits 100,000 IDEs once each).
        gateway.Environment["IdeTunnel__LookupPermitLimit"] = "10000000";
        gateway.Environment["Auth__AllowDevTokens"] = allowDevTokens ? "true" : "false";
        if (agentFileTransfers)
        {
            gateway.Environment["Files__AgentTransferUrl"] = $"http://127.0.0.1:{port}";
        }

        return context.Children.Start(gateway, Path.Combine(context.LogDirectory, name + ".log"));
    }

    /// <summary>An HTTP client of the gateway with a dev token of the benchmark's owner (the rig must allow dev tokens).</summary>
    public async Task<HttpClient> OwnerClientAsync(CancellationToken cancellationToken)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GatewayPort}"), Timeout = TimeSpan.FromSeconds(30) };
        using var minted = await http.PostAsJsonAsync("/api/dev-token", new { userId = Provisioning.Owner.UserId }, cancellationToken);
        minted.EnsureSuccessStatusCode();
        var token = (await minted.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Starts the bare YARP forwarder in front of the upstream.</summary>
    public async Task StartForwarderAsync(BenchContext context, string scenario, CancellationToken cancellationToken)
    {
        var port = FreePorts.Next();
        var forwarder = Dotnet.Mode(context, "forwarder");
        forwarder.Environment["Bench__Port"] = port.ToString(CultureInfo.InvariantCulture);
        forwarder.Environment["Bench__Upstream"] = $"http://127.0.0.1:{UpstreamPort}";

        // The gateway's runtime settings (server GC, from its runtimeconfig), so the two differ only in what runs
        // per request.
        forwarder.Environment["DOTNET_gcServer"] = "1";
        var process = context.Children.Start(forwarder, Path.Combine(context.LogDirectory, scenario + "-forwarder.log"));
        await process.WaitForLineAsync(BareForwarder.ReadyLine, TimeSpan.FromSeconds(60), cancellationToken);
        ForwarderPort = port;
        ForwarderSampler = new ProcessSampler(process.Pid);
    }

    /// <summary>Starts configurable-http-proxy (installed by ./zlh bench into .zlh/bench); false when it is not installed.</summary>
    public async Task<bool> TryStartProxyAsync(BenchContext context, string scenario, CancellationToken cancellationToken)
    {
        var script = Path.Combine(context.RepositoryRoot, ".zlh", "bench", "node_modules", "configurable-http-proxy", "bin", "configurable-http-proxy");
        if (!File.Exists(script))
        {
            return false;
        }

        var port = FreePorts.Next();
        var start = new System.Diagnostics.ProcessStartInfo("node");
        foreach (var argument in new[]
        {
            script, "--ip", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--api-ip", "127.0.0.1", "--api-port", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--default-target", $"http://127.0.0.1:{UpstreamPort}", "--log-level", "warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = context.Children.Start(start, Path.Combine(context.LogDirectory, scenario + "-configurable-http-proxy.log"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                ProxyPort = port;
                ProxySampler = new ProcessSampler(process.Pid);
                return true;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }

    /// <summary>Starts nginx in front of the upstream (<see cref="NginxPeer"/>); false when it is not available.</summary>
    public async Task<bool> TryStartNginxAsync(BenchContext context, string scenario, CancellationToken cancellationToken)
    {
        Nginx = await NginxPeer.TryStartAsync(context, scenario, UpstreamPort, cancellationToken);
        return Nginx is not null;
    }

    /// <summary>
    /// Sets up <paramref name="count"/> dev containers with a live IDE session each, ids from <paramref name="firstId"/>;
    /// <paramref name="progress"/> hears the number done every 10,000.
    /// </summary>
    public async Task<IReadOnlyList<IdeSession>> OpenSessionsAsync(long firstId, int count, CancellationToken cancellationToken, Action<int>? progress = null)
    {
        var sessions = new IdeSession[count];
        var done = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = 128, CancellationToken = cancellationToken },
            async (i, _) =>
            {
                sessions[i] = await OpenSessionAsync(firstId + i);
                if (Interlocked.Increment(ref done) % 10_000 == 0)
                {
                    progress?.Invoke(done);
                }
            });
        return sessions;
    }

    public Task DesiredSpecChanged(long generation) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_observer is not null)
        {
            _client.Client.DeleteObjectReference<IAgentObserver>(_observer);
        }

        await _client.DisposeAsync();
    }

    private async Task<IdeSession> OpenSessionAsync(long id)
    {
        var grain = _client.Client.GetGrain<IDevContainerGrain>(id);
        CallAs.GatewayWithKey(_serviceKey);
        var provisioned = await grain.ProvisionAsync(Provisioning.Owner, new DevContainerSpec("node", null, EnableCodeServer: true));

        var endpoint = $"127.0.0.1:{UpstreamPort}";
        var instance = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        CallAs.Agent(id, provisioned.AgentCredential);
        await grain.ConnectAgentAsync(new AgentHello(instance, "bench", now), _observer!);
        CallAs.Agent(id, provisioned.AgentCredential);
        await grain.ReportAsync(new AgentReport(
            instance,
            [
                new DevStateChanged(1, now, DevContainerState.Installing, null),
                new DevStateChanged(2, now, DevContainerState.Ready, null),
                new CodeServerChanged(3, now, CodeServerState.Running, endpoint, null),
            ],
            0));
        CallAs.Agent(id, provisioned.AgentCredential);
        await grain.HeartbeatAsync(new Heartbeat(
            instance, 0, now, 4242, TimeSpan.FromMinutes(1), 1, 64L * 1024 * 1024, "bench", null,
            new DevObserved(DevContainerState.Ready, CodeServerState.Running, endpoint, [new InstalledRuntime("node", "22.1.0", true)], null)));

        // The provisioner (an operator) names the container's address; the agent's endpoint is never the upstream.
        CallAs.GatewayWithKey(_serviceKey);
        RequestContext.Set(CallContextKeys.Operator, true);
        await grain.SetIdeAddressAsync(new Actor("bench-operator", IsOperator: true), endpoint);

        CallAs.GatewayWithKey(_serviceKey);
        var token = await grain.IssueIdeTokenAsync(Provisioning.Owner);
        CallAs.GatewayWithKey(_serviceKey);
        var redeemed = await grain.RedeemIdeTokenAsync(token.Token);
        return redeemed is { Status: IdeAccessStatus.Accepted, SessionId: { } session }
            ? new IdeSession(id, session)
            : throw new InvalidOperationException($"container {id}: the IDE token was refused ({redeemed.Status})");
    }
}
