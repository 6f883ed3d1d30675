using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>
/// The whole platform as real processes on loopback, each on free ports: an artifact store with the
/// stand-in IDE and a demo runtime, one or more silos, a gateway, and agents started on demand.
/// Every process is one this test started and is stopped by its PID.
/// </summary>
internal sealed class Platform : IAsyncDisposable
{
    public const string Runtime = "demo-shell";

    private readonly List<PlatformProcess> _processes = [];
    private readonly Dictionary<long, int> _idePorts = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _siloEnvironments = [];
    private Dictionary<string, string> _gatewayEnvironment = [];

    private Platform(string root)
    {
        Root = root;

        // Kept after the test (the root is not), so a failure can be read afterwards.
        Logs = Path.Combine(AppContext.BaseDirectory, "e2e-logs", Path.GetFileName(root));
    }

    public string Root { get; }

    public string Logs { get; }

    public string ServiceKey { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    public string SigningKey { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public int SiloGatewayPort { get; private set; }

    public string GatewayUrl { get; private set; } = "";

    public string ArtifactUrl { get; private set; } = "";

    public string Token { get; private set; } = "";

    public string OperatorToken { get; private set; } = "";

    /// <summary>Authenticated as the owner "e2e"; no automatic redirects, so the bootstrap's 302 is visible.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

    public PlatformProcess? Gateway { get; private set; }

    /// <summary>
    /// Starts the artifact store, the silos (SQLite unless <paramref name="postgres"/> is given) and the gateway;
    /// <paramref name="gatewaySettings"/> adds or overrides the gateway's settings.
    /// </summary>
    public static async Task<Platform> StartAsync(int silos = 1, string? postgres = null, IDictionary<string, string>? siloSettings = null, IDictionary<string, string>? gatewaySettings = null)
    {
        var platform = new Platform(Directory.CreateTempSubdirectory("zlh-e2e-").FullName);
        try
        {
            await platform.StartArtifactStoreAsync();
            await platform.CreateCertificatesAsync();
            var clusterEnvironment = new Dictionary<string, string>(siloSettings ?? new Dictionary<string, string>());
            for (var i = 0; i < silos; i++)
            {
                await platform.StartSiloAsync($"silo{i}", postgres, clusterEnvironment);
            }

            await platform.StartGatewayAsync(postgres, gatewaySettings);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    public async Task StartSiloAsync(string name, string? postgres, IReadOnlyDictionary<string, string> extra)
    {
        var gatewayPort = FreePorts.Next();
        var dashboardPort = FreePorts.Next();
        var environment = new Dictionary<string, string>(extra)
        {
            ["Cluster__ServiceKey"] = ServiceKey,
            ["Cluster__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dashboard__Url"] = $"http://127.0.0.1:{dashboardPort}",
            ["Containers__HeartbeatInterval"] = "00:00:01",
        };
        AddTls(environment, "Cluster__Tls", "silo");
        if (postgres is null)
        {
            environment["Storage__Provider"] = "Sqlite";
            environment["Storage__SqlitePath"] = Path.Combine(Root, "silo.db");
        }
        else
        {
            environment["Storage__Provider"] = "Postgres";
            environment["Storage__ConnectionString"] = postgres;
        }

        if (SiloGatewayPort == 0)
        {
            SiloGatewayPort = gatewayPort;
        }

        _siloEnvironments[name] = environment;
        var silo = Track(PlatformProcess.Start(name, Repo.Binary("src/Silo", "ZlhGrind.Silo"), environment, Logs));
        await Wait.HttpOkAsync(Http, $"http://127.0.0.1:{dashboardPort}/healthz", TimeSpan.FromSeconds(90));
    }

    /// <summary>Starts a silo again exactly as it was started before (same ports, same storage).</summary>
    public async Task RestartSiloAsync(string name)
    {
        var environment = _siloEnvironments[name];
        Track(PlatformProcess.Start(name, Repo.Binary("src/Silo", "ZlhGrind.Silo"), environment, Logs));
        await Wait.HttpOkAsync(Http, environment["Dashboard__Url"] + "/healthz", TimeSpan.FromSeconds(90));
    }

    /// <summary>Kills the gateway (SIGKILL: open streams break as in a crash or a lost connection).</summary>
    public Task KillGatewayAsync() => Gateway!.KillAsync();

    /// <summary>Starts the gateway again exactly as before (same address, same settings) and waits until it is ready.</summary>
    public async Task StartGatewayAgainAsync()
    {
        Gateway = Track(PlatformProcess.Start("gateway", Repo.Binary("src/Gateway", "ZlhGrind.Gateway"), _gatewayEnvironment, Logs));
        await Wait.HttpOkAsync(Http, GatewayUrl + "/readyz", TimeSpan.FromSeconds(90));
    }

    /// <summary>Runs what a person pastes into a container's shell, with <paramref name="environment"/> for what the harness adds.</summary>
    public PlatformProcess RunShell(string name, string script, IReadOnlyDictionary<string, string> environment) =>
        Track(PlatformProcess.Start(name, "sh", ["-c", script], environment, Logs));

    /// <summary>This run's agent data folder of container <paramref name="id"/>.</summary>
    public string AgentData(long id) => Path.Combine(Root, "agents", id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public PlatformProcess Process(string name) => _processes.Last(p => p.Name == name);

    /// <summary>Starts the agent of a container; <paramref name="extra"/> adds or overrides settings.</summary>
    public PlatformProcess StartAgent(long id, string kind, string credential, IDictionary<string, string>? extra = null)
    {
        var data = Path.Combine(Root, "agents", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(data);
        var credentialFile = Path.Combine(data, "credential");
        File.WriteAllText(credentialFile, credential);
        File.SetUnixFileMode(credentialFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var ide = Path.Combine(Root, "artifacts", "code-server.tar.gz");
        var environment = new Dictionary<string, string>
        {
            ["Agent__ContainerId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Agent__Kind"] = kind,
            ["Agent__CredentialFile"] = credentialFile,
            ["Agent__DataRoot"] = data,
            ["Agent__Cluster__Gateways__0"] = $"127.0.0.1:{SiloGatewayPort}",
            ["Agent__Cluster__HeartbeatInterval"] = "00:00:01",
            ["Agent__Cluster__ConnectRetryMaxDelay"] = "00:00:02",
            ["Agent__Game__StopServerOnAgentStop"] = "true",
            ["Agent__Dev__DataRoot"] = Path.Combine(data, "dev"),
            ["Agent__Dev__ManageUser"] = "false",
            ["Agent__Cluster__Tls__Enabled"] = "true",
            ["Agent__Cluster__Tls__CaCertificate"] = Path.Combine(TlsDirectory, "ca.pem"),
            ["Agent__CodeServer__BindAddress"] = "127.0.0.1",
            ["Agent__CodeServer__AdvertiseAddress"] = "127.0.0.1",
            ["Agent__CodeServer__Port"] = (_idePorts.TryGetValue(id, out var idePort) ? idePort : FreePorts.Next()).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Agent__CodeServer__StopOnAgentStop"] = "true",
            ["Agent__CodeServer__ArtifactUrl"] = ArtifactUrl + "/code-server.tar.gz",
            ["Agent__CodeServer__ArtifactSha256"] = Sha256(ide),
            ["Agent__CodeServer__ArtifactSizeBytes"] = new FileInfo(ide).Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return Track(PlatformProcess.Start($"agent-{id}", Repo.Binary("src/Agent", "ZlhGrind.Agent"), environment, Logs));
    }

    /// <summary>The game server's console input (the FIFO the agent's shim holds open).</summary>
    public string ConsoleOf(long id) => Path.Combine(Root, "agents", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "game", "run", "console.in");

    public async Task<(long Id, string Credential)> ProvisionGameAsync()
    {
        var script = Path.Combine(Repo.Root, "tools", "StandInGameServer", "stand-in-server.sh");
        var answer = await SendAsync(HttpMethod.Post, "/api/servers", Token, new { template = "generic", startCommand = $"sh {script}", stopCommand = "stop", memoryMb = 1024 });
        return (answer.GetProperty("containerId").GetInt64(), answer.GetProperty("agentCredential").GetString()!);
    }

    /// <summary>Provisions a dev container and, as its provisioner, tells the platform where its IDE will listen.</summary>
    public async Task<(long Id, string Credential)> ProvisionDevAsync()
    {
        var answer = await SendAsync(HttpMethod.Post, "/api/dev", Token, new { runtime = Runtime, enableCodeServer = true });
        var id = answer.GetProperty("containerId").GetInt64();
        var port = FreePorts.Next();
        _idePorts[id] = port;
        await SendAsync(HttpMethod.Put, $"/api/admin/containers/{id}/ide-address", OperatorToken, new { address = $"127.0.0.1:{port}" });
        return (id, answer.GetProperty("agentCredential").GetString()!);
    }

    public Task<JsonElement> StatusAsync(long id) => SendAsync(HttpMethod.Get, $"/api/servers/{id}/status", Token);

    /// <summary>Polls the status until <paramref name="condition"/> holds.</summary>
    public Task<JsonElement> WaitForStatusAsync(long id, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null) =>
        Wait.UntilAsync<JsonElement?>(async () => await StatusAsync(id) is var s && condition(s) ? s : null, timeout ?? TimeSpan.FromSeconds(90), $"container {id}: {what}")
            .ContinueWith(t => t.Result!.Value, TaskScheduler.Default);

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, GatewayUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }

        // The agents are gone, the game servers they left running for a reattachment are not (the agent of the
        // provisioning test's pasted command included: its data is under the root too).
        RunProcesses.StopGameServers(Root);
        var leftOver = await RunProcesses.LeftOverAsync(Root);
        Http.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process that kept a file open under the root must not fail the test's cleanup.
        }

        if (leftOver.Count > 0)
        {
            throw new InvalidOperationException("Processes of the run were still running after it stopped (now ended):\n" + string.Join("\n", leftOver));
        }
    }

    private async Task StartArtifactStoreAsync()
    {
        var artifacts = Directory.CreateDirectory(Path.Combine(Root, "artifacts")).FullName;
        await PackStandInIdeAsync(Path.Combine(artifacts, "code-server.tar.gz"));
        var runtime = Path.Combine(artifacts, $"{Runtime}-1.0.0.tar.gz");
        await WriteDemoRuntimeAsync(runtime);
        var port = FreePorts.Next();
        ArtifactUrl = $"http://127.0.0.1:{port}";
        Track(PlatformProcess.Start("artifacts", Repo.Binary("tools/ArtifactStore", "ZlhGrind.ArtifactStore"), new Dictionary<string, string>
        {
            ["Artifacts__Root"] = artifacts,
            ["Artifacts__Url"] = ArtifactUrl,
        }, Logs));
        await Wait.HttpOkAsync(Http, ArtifactUrl + "/healthz", TimeSpan.FromSeconds(60));
    }

    private async Task StartGatewayAsync(string? postgres, IDictionary<string, string>? extra)
    {
        var port = FreePorts.Next();
        GatewayUrl = $"http://127.0.0.1:{port}";
        var environment = new Dictionary<string, string>
        {
            ["urls"] = GatewayUrl,
            ["Cluster__ServiceKey"] = ServiceKey,
            ["Auth__SigningKey"] = SigningKey,

            // File content goes the production way, through a socket the real agent dials back to this gateway (as `./zlh up` sets it).
            ["Files__AgentTransferUrl"] = GatewayUrl,

            // Every agent's IDE listens on its own random loopback port: the harness allows loopback explicitly.
            ["IdeTunnel__ExplicitUpstreams__0"] = "127.0.0.0/8",

            // The command the portal prints at provisioning starts this run's agent binary with this run's CA;
            // `exec` so that the shell a test pastes it into becomes the agent (one PID to stop).
            ["AgentSetup__Command"] = $"exec dotnet {Repo.Binary("src/Agent", "ZlhGrind.Agent")}",
            ["AgentSetup__CredentialFile"] = Path.Combine(Root, "portal-agent", "agent.credential"),
            ["AgentSetup__CaCertificate"] = Path.Combine(TlsDirectory, "ca.pem"),
        };
        AddTls(environment, "Cluster__Tls", "client");
        if (postgres is null)
        {
            environment["Cluster__Mode"] = "Static";
            environment["Cluster__Gateways__0"] = $"127.0.0.1:{SiloGatewayPort}";
        }
        else
        {
            environment["Cluster__Mode"] = "Postgres";
            environment["Cluster__ConnectionString"] = postgres;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        _gatewayEnvironment = environment;
        Gateway = Track(PlatformProcess.Start("gateway", Repo.Binary("src/Gateway", "ZlhGrind.Gateway"), environment, Logs));
        await Wait.HttpOkAsync(Http, GatewayUrl + "/readyz", TimeSpan.FromSeconds(90));
        Token = await MintAsync("e2e", op: false);
        OperatorToken = await MintAsync("e2e-operator", op: true);

        var runtime = Path.Combine(Root, "artifacts", $"{Runtime}-1.0.0.tar.gz");
        await SendAsync(HttpMethod.Post, "/api/dev/runtimes", OperatorToken, new
        {
            name = Runtime,
            version = "1.0.0",
            artifactUrl = $"{ArtifactUrl}/{Path.GetFileName(runtime)}",
            sha256 = Sha256(runtime).ToLowerInvariant(),
            sizeBytes = new FileInfo(runtime).Length,
            binPath = "bin",
            verifyCommand = new[] { $"bin/{Runtime}", "--version" },
        });
    }

    /// <summary>The run's CA and certificates, made by the silo's own <c>certs local</c> command as <c>./zlh up</c> makes them.</summary>
    public string TlsDirectory => Path.Combine(Root, "tls");

    private async Task CreateCertificatesAsync()
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Repo.Binary("src/Silo", "ZlhGrind.Silo"));
        info.ArgumentList.Add("certs");
        info.ArgumentList.Add("local");
        info.ArgumentList.Add(TlsDirectory);
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await output;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"certs local failed: {error}");
        }
    }

    /// <summary>Every cluster link of the platform runs over TLS with the run's CA; <paramref name="certificate"/> is the process's own.</summary>
    private void AddTls(Dictionary<string, string> environment, string section, string certificate)
    {
        environment[section + "__Enabled"] = "true";
        environment[section + "__CaCertificate"] = Path.Combine(TlsDirectory, "ca.pem");
        environment[section + "__Certificate"] = Path.Combine(TlsDirectory, certificate + ".pem");
        environment[section + "__Key"] = Path.Combine(TlsDirectory, certificate + ".key");
    }

    /// <summary>A portal token for <paramref name="user"/>, printed by the gateway's own <c>mint-token</c> command.</summary>
    internal async Task<string> MintAsync(string user, bool op)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Repo.Binary("src/Gateway", "ZlhGrind.Gateway"));
        info.ArgumentList.Add("mint-token");
        info.ArgumentList.Add(user);
        if (op)
        {
            info.ArgumentList.Add("--operator");
        }

        info.Environment["Auth__SigningKey"] = SigningKey;
        using var process = System.Diagnostics.Process.Start(info)!;
        var token = (await process.StandardOutput.ReadToEndAsync()).Trim();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 && token.Length > 0 ? token : throw new InvalidOperationException($"mint-token failed: {error}");
    }

    private static async Task PackStandInIdeAsync(string destination)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Repo.Binary("tools/StandInIde", "StandInIde"));
        info.ArgumentList.Add("pack");
        info.ArgumentList.Add("--output");
        info.ArgumentList.Add(destination);
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"packing the stand-in IDE failed: {await error}");
        }
    }

    /// <summary>A tiny real runtime: <c>bin/demo-shell</c> answers <c>--version</c> and runs scripts with sh.</summary>
    private static async Task WriteDemoRuntimeAsync(string destination)
    {
        await using var file = File.Create(destination);
        await using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        var script = "#!/bin/sh\n[ \"$1\" = \"--version\" ] && { echo \"demo-shell 1.0.0\"; exit 0; }\nexec sh \"$@\"\n"u8.ToArray();
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "bin/") { Mode = (UnixFileMode)0b111_101_101 });
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, $"bin/{Runtime}")
        {
            Mode = (UnixFileMode)0b111_101_101,
            DataStream = new MemoryStream(script),
        });
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    private PlatformProcess Track(PlatformProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
