using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Gateway.Consoles;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Consoles;

/// <summary>
/// A game container with a real stand-in game server behind the real shim, and the agent's console (GameConsole and
/// ConsoleRelay over the agent's credential) connected to the fixture's cluster; <see cref="RestartAgentAsync"/> ends
/// the agent side and starts a new one on the same run directory while the server keeps running.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class ConsoleRig : IAsyncDisposable
{
    private readonly GatewayFixture _fixture;
    private readonly string _credential;
    private readonly List<ServerProcess> _servers = [];
    private readonly Guid _agentInstance = Guid.NewGuid();
    private GameConsole? _console;
    private ConsoleRelay? _relay;
    private IConsoleAgent? _reference;

    private ConsoleRig(GatewayFixture fixture, long id, string credential, string directory, RunDirectory run, ServerProcess server)
    {
        _fixture = fixture;
        Id = id;
        _credential = credential;
        Directory = directory;
        Run = run;
        _servers.Add(server);
    }

    public long Id { get; }

    public string Directory { get; }

    public RunDirectory Run { get; }

    /// <summary>The server's state as the agent's console sees it (its supervisor's); the Report methods set it too.</summary>
    public GameServerState AgentState { get; set; } = GameServerState.Running;

    /// <summary>Where the console's output ends now, as the agent numbers it.</summary>
    public long End => _console!.End;

    public static async Task<ConsoleRig> StartAsync(GatewayFixture fixture, string owner, string command = "sh stand-in-server.sh")
    {
        using var portal = fixture.CreateClient(TestTokens.For(owner));
        var created = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "sh stand-in-server.sh", stopCommand = "stop", memoryMb = 1024 });
        var result = await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options);
        var directory = System.IO.Directory.CreateTempSubdirectory("zlh-console-test-").FullName;
        var run = new RunDirectory(Path.Combine(directory, "run"));
        var serverDirectory = Path.Combine(directory, "server");
        System.IO.Directory.CreateDirectory(serverDirectory);
        File.Copy(Path.Combine(RepoRoot(), "tools", "StandInGameServer", "stand-in-server.sh"), Path.Combine(serverDirectory, "stand-in-server.sh"));
        var server = await Launcher(run).LaunchAsync(command, serverDirectory, new Dictionary<string, string>(), DateTimeOffset.UtcNow, CancellationToken.None);
        var rig = new ConsoleRig(fixture, result!.ContainerId, result.AgentCredential, directory, run, server);
        await rig.StartAgentAsync();
        return rig;
    }

    /// <summary>Runs <paramref name="command"/> as the next launch of the server (behind the real shim) until it exits.</summary>
    public async Task RunToExitAsync(string command)
    {
        var server = await Launcher(Run).LaunchAsync(command, Path.Combine(Directory, "server"), new Dictionary<string, string>(), DateTimeOffset.UtcNow, CancellationToken.None);
        _servers.Add(server);
        await server.Exited.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until every server launched so far has exited.</summary>
    public Task WaitForExitsAsync() => Task.WhenAll(_servers.Select(s => s.Exited)).WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Registers <paramref name="agent"/> as this container's console agent in place of the real relay (a hostile agent).</summary>
    public async Task ConnectAgentAsync(IConsoleAgent agent)
    {
        await StopAgentAsync();
        var reference = _fixture.Client.CreateObjectReference<IConsoleAgent>(agent);
        await AsAgentAsync(grain => grain.ConnectAgentAsync(reference));
    }

    /// <summary>Pushes <paramref name="chunk"/> to the console grain as this container's agent would (with its credential).</summary>
    public Task PushAsAgentAsync(ConsoleChunk chunk) => AsAgentAsync(grain => grain.PushOutputAsync(chunk));

    /// <summary>Reports the server's lifecycle state as its agent does (event number <paramref name="sequence"/>).</summary>
    public Task ReportStateAsync(long sequence, GameServerState state)
    {
        AgentState = state;
        return AsAgentAsync(_ => _fixture.Client.GetGrain<IGameServerGrain>(Id).ReportAsync(new AgentReport(_agentInstance, [new GameStateChanged(sequence, DateTimeOffset.UnixEpoch, state, null)], 0)));
    }

    /// <summary>Reports several lifecycle states in ONE agent report (event numbers from <paramref name="firstSequence"/>), as an agent does when they happen between two heartbeats.</summary>
    public Task ReportStatesAsync(long firstSequence, params GameServerState[] states)
    {
        AgentState = states[^1];
        return AsAgentAsync(_ => _fixture.Client.GetGrain<IGameServerGrain>(Id).ReportAsync(new AgentReport(
            _agentInstance,
            [.. states.Select((state, i) => (AgentEvent)new GameStateChanged(firstSequence + i, DateTimeOffset.UnixEpoch, state, null))],
            0)));
    }

    private async Task AsAgentAsync(Func<IConsoleGrain, Task> call)
    {
        RequestContext.Set(CallContextKeys.AgentContainerId, Id);
        RequestContext.Set(CallContextKeys.AgentCredential, _credential);
        try
        {
            await call(_fixture.Client.GetGrain<IConsoleGrain>(Id, ConsoleLimits.GameChannel, null));
        }
        finally
        {
            RequestContext.Clear();
        }
    }

    /// <summary>Ends the agent's console side (as an agent process ending would) and starts a fresh one on the same files.</summary>
    public async Task RestartAgentAsync()
    {
        await StopAgentAsync();
        await StartAgentAsync();
    }

    public async Task<string> TicketUrlAsync(string user, long? id = null)
    {
        using var portal = _fixture.CreateClient(TestTokens.For(user));
        var response = await portal.PostAsync($"/api/servers/{id ?? Id}/console/ticket", null);
        var ticket = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ConsoleTicketResponse>(Json.Options);
        return ticket!.Url;
    }

    public async Task<ConsoleClient> OpenAsync(string url)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(SocketUri(url), CancellationToken.None);
        return new ConsoleClient(socket);
    }

    /// <summary>The gateway's WebSocket address for <paramref name="url"/> (a ticket's path and query).</summary>
    public Uri SocketUri(string url) => new(new Uri(_fixture.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), url);

    /// <summary>The status the gateway answered a refused WebSocket open with.</summary>
    public async Task<int> RefusedOpenAsync(string url)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(SocketUri(url), CancellationToken.None));
        return (int)socket.HttpStatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        foreach (var server in _servers)
        {
            server.Signal(9);
            server.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartAgentAsync()
    {
        // The agent's outgoing filter does this in the agent process; here it is set on this flow, which the relay's pusher inherits.
        RequestContext.Set(CallContextKeys.AgentContainerId, Id);
        RequestContext.Set(CallContextKeys.AgentCredential, _credential);
        _console = new GameConsole(Run, () => AgentState, TimeSpan.FromMilliseconds(200), NullLogger.Instance);
        var grain = _fixture.Client.GetGrain<IConsoleGrain>(Id, ConsoleLimits.GameChannel, null);
        _relay = new ConsoleRelay(_console, grain, 256, NullLogger.Instance);
        _reference = _fixture.Client.CreateObjectReference<IConsoleAgent>(_relay);
        await _relay.ConnectAsync(_reference);
        RequestContext.Clear();
    }

    private async Task StopAgentAsync()
    {
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
            _fixture.Client.DeleteObjectReference<IConsoleAgent>(_reference!);
            _console!.Dispose();
            _relay = null;
        }
    }

    private static ServerLauncher Launcher(RunDirectory run) => new(run, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "ZlhGrind.sln")))
        {
            directory = directory.Parent ?? throw new InvalidOperationException("ZlhGrind.sln not found above the test binaries.");
        }

        return directory.FullName;
    }
}

/// <summary>A browser's side of the console WebSocket: JSON frames in and out.</summary>
internal sealed class ConsoleClient(ClientWebSocket socket) : IDisposable
{
    public ClientWebSocket Socket => socket;

    /// <summary>Whether every output frame's end is checked against its text's UTF-8 length (off for binary output).</summary>
    public bool CheckAsciiEnds { get; set; } = true;

    /// <summary>Every output frame's text received so far, with their offsets.</summary>
    public List<(long Offset, string Data)> Output { get; } = [];

    /// <summary>The type of every frame received so far, in order.</summary>
    public List<string> Types { get; } = [];

    /// <summary>Every state frame's state so far, in order.</summary>
    public List<string> States { get; } = [];

    public string Text => string.Concat(Output.Select(o => o.Data));

    public long Next => Output.Count == 0 ? 0 : Output[^1].Offset + Encoding.UTF8.GetByteCount(Output[^1].Data);

    public Task SendAsync(object frame) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Reads frames until one of type <paramref name="type"/> satisfies <paramref name="until"/>; output frames are kept.</summary>
    public async Task<JsonElement> ReadUntilAsync(string type, Func<JsonElement, bool>? until = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[1 << 20];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return JsonDocument.Parse("{\"type\":\"closed\"}").RootElement.Clone();
            }

            var frame = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
            var frameType = frame.GetProperty("type").GetString()!;
            Types.Add(frameType);
            if (frameType == "output")
            {
                var (offset, data) = (frame.GetProperty("offset").GetInt64(), frame.GetProperty("data").GetString()!);
                // The servers here write ASCII (unless a test says otherwise): a frame's bytes end at its offset plus its text's length.
                if (CheckAsciiEnds)
                {
                    Assert.Equal(offset + System.Text.Encoding.UTF8.GetByteCount(data), frame.GetProperty("end").GetInt64());
                }

                Output.Add((offset, data));
            }
            else if (frameType == "state")
            {
                States.Add(frame.GetProperty("state").GetString()!);
            }

            if (frameType == type && (until is null || until(frame)))
            {
                return frame;
            }
        }
    }

    /// <summary>Every output frame starts where the one before ended, the first at <paramref name="start"/>: no gap, no duplicate.</summary>
    public void AssertContiguousFrom(long start)
    {
        var expected = start;
        foreach (var (offset, data) in Output)
        {
            Assert.Equal(expected, offset);
            expected += Encoding.UTF8.GetByteCount(data);
        }
    }

    public Task<JsonElement> OutputContainingAsync(string text) => ReadUntilAsync("output", _ => Text.Contains(text, StringComparison.Ordinal));

    public void Dispose() => socket.Dispose();
}
