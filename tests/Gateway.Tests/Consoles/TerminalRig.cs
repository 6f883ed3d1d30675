using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.DevContainer;
using ZlhGrind.Agent.Terminal;
using ZlhGrind.Gateway.Consoles;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Tests.Consoles;

/// <summary>
/// A dev container with the agent's real terminal side — the dev workload's services as the agent wires them (the
/// current user as dev user, under a temp root), its TerminalHost connected to the fixture's cluster with the agent's
/// credential — so every shell is a real login shell on a real PTY, reached through the real gateway and cluster.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class TerminalRig : IAsyncDisposable
{
    private readonly GatewayFixture _fixture;
    private readonly ServiceProvider _services;
    private readonly TerminalHost _host;
    private readonly ITerminalHost _reference;
    private readonly string _root;

    private TerminalRig(GatewayFixture fixture, long id, ServiceProvider services, TerminalHost host, ITerminalHost reference, string root)
    {
        _fixture = fixture;
        Id = id;
        _services = services;
        _host = host;
        _reference = reference;
        _root = root;
    }

    public long Id { get; }

    public TerminalSessions Sessions => _services.GetRequiredService<TerminalSessions>();

    public static async Task<TerminalRig> StartAsync(GatewayFixture fixture, string owner)
    {
        using var portal = fixture.CreateClient(TestTokens.For(owner));
        var created = await portal.PostAsJsonAsync("/api/dev", new { runtime = "node", enableCodeServer = false });
        var result = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!;
        var root = Directory.CreateTempSubdirectory("zlh-terminal-test-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:Dev:DataRoot"] = Path.Combine(root, "data"),
            ["Agent:Dev:ManageUser"] = "false",
            ["Agent:Dev:HomeRoot"] = Path.Combine(root, "home"),
            ["Agent:Dev:ProfilePath"] = Path.Combine(root, "profile.d", "zlh-dev-path.sh"),
        }).Build();
        var services = new ServiceCollection().AddLogging().AddDevWorkload(configuration).BuildServiceProvider();

        // The agent's outgoing filter does this in the agent process; here it is set on the flow the host keeps for its relays.
        RequestContext.Set(CallContextKeys.AgentContainerId, result.ContainerId);
        RequestContext.Set(CallContextKeys.AgentCredential, result.AgentCredential);
        var host = new TerminalHost(services.GetRequiredService<TerminalSessions>(), fixture.Client, result.ContainerId, 256, NullLogger.Instance);
        var reference = fixture.Client.CreateObjectReference<ITerminalHost>(host);
        await host.Grain.ConnectTerminalHostAsync(reference);
        RequestContext.Clear();
        return new TerminalRig(fixture, result.ContainerId, services, host, reference, root);
    }

    public async Task<string> TicketUrlAsync(string user, Uri? gateway = null, TimeSpan? tokenLifetime = null, bool isOperator = false)
    {
        var bearer = TestTokens.For(user, isOperator, tokenLifetime);
        using var portal = gateway is null ? _fixture.CreateClient(bearer) : Client(gateway, bearer);
        var response = await portal.PostAsync($"/api/dev/{Id}/terminal/ticket", null);
        var ticket = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ConsoleTicketResponse>(Json.Options);
        return ticket!.Url;
    }

    /// <summary>Opens the socket and reads its first frame, which names the session.</summary>
    public async Task<(ConsoleClient Client, string Session)> OpenAsync(string url, Uri? gateway = null)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(WebSocketBase(gateway ?? _fixture.BaseAddress), url), CancellationToken.None);
        var client = new ConsoleClient(socket);
        var session = await client.ReadUntilAsync("session");
        return (client, session.GetProperty("id").GetString()!);
    }

    /// <summary>The WebSocket address of a ticket URL on the fixture's gateway.</summary>
    public Uri SocketUri(string url) => new(WebSocketBase(_fixture.BaseAddress), url);

    public async Task<int> RefusedOpenAsync(string url)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(WebSocketBase(_fixture.BaseAddress), url), CancellationToken.None));
        return (int)socket.HttpStatusCode;
    }

    public static HttpClient Client(Uri gateway, string bearer)
    {
        var client = new HttpClient { BaseAddress = gateway };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _fixture.Client.DeleteObjectReference<ITerminalHost>(_reference);
        await _services.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static Uri WebSocketBase(Uri http) => new(http.ToString().Replace("http://", "ws://", StringComparison.Ordinal));
}
