using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Gateway.Tests.Events;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>
/// Issue 18: what the tunnel counts as IDE activity and how it reaches the grain, with the stand-in IDE as a real
/// upstream behind a gateway of the test's own (its reporter flushes on the shared fake clock; each check advances it
/// one flush interval and awaits that flush). Grain calls are counted on the gateway's cluster client.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class IdeActivityTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Flush = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task HttpRequests_HundredInAMinute_FirstReachesTheGrainAtTheNextFlushThenOneCallPerMinute()
    {
        using var cancel = new CancellationTokenSource(Bound);
        await using var rig = await StandInRigAsync("activity-http", cancel.Token);
        var (ide, id, session, agent, gateway) = rig;
        using var browser = Browser(gateway);
        var firstAt = fixture.Clock.GetUtcNow();

        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(browser, id, session, "/healthz", cancel.Token)).StatusCode);
        }

        // No grain call per request: nothing is sent before the flush.
        Assert.Equal(0, Reports(id));
        await FlushAsync(gateway);
        Assert.Equal(1, Reports(id));
        var first = await StatusAsync(id);

        // A busy minute: two requests after every flush, one minute long; nothing more is sent within it. The agent
        // keeps beating, as a real one would (an unreachable container's IDE is not served, so not used).
        for (var i = 0; i < 29; i++)
        {
            await FlushAsync(gateway);
            await agent.BeatAsync(CodeServerState.Running, ide.Endpoint);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(browser, id, session, "/healthz", cancel.Token)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(browser, id, session, "/", cancel.Token)).StatusCode);
        }

        var lastAt = fixture.Clock.GetUtcNow();
        Assert.Equal(1, Reports(id));
        await FlushAsync(gateway);
        var later = await StatusAsync(id);

        Assert.Equal(2, Reports(id));
        Assert.Equal(firstAt, first.LastActivityAt);
        Assert.Equal(firstAt.AddMinutes(30), first.IdleStopAt);
        Assert.Equal(lastAt, later.LastActivityAt);
        Assert.Equal(lastAt.AddMinutes(30), later.IdleStopAt);
        Assert.Equal(firstAt.AddSeconds(60), lastAt);
    }

    [Fact]
    public async Task Report_ClusterUnreachable_TriedAgainOneIntervalLaterNotAtEveryFlush()
    {
        using var cancel = new CancellationTokenSource(Bound);
        await using var rig = await StandInRigAsync("activity-outage", cancel.Token);
        var (_, id, session, _, gateway) = rig;
        using var browser = Browser(gateway);
        var usedAt = fixture.Clock.GetUtcNow();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(browser, id, session, "/healthz", cancel.Token)).StatusCode);

        using (fixture.Calls.Unreachable(fixture.Client.GetGrain<IDevContainerGrain>(id).GetGrainId()))
        {
            for (var i = 0; i < 10; i++)
            {
                await FlushAsync(gateway);
            }

            Assert.Equal(1, Reports(id));
        }

        // The failed call was at the first flush; one interval (60 s) after it, the news goes again.
        Assert.Null((await StatusAsync(id)).LastActivityAt);
        for (var i = 0; i < 20; i++)
        {
            await FlushAsync(gateway);
        }

        Assert.Equal(1, Reports(id));
        await FlushAsync(gateway);

        Assert.Equal(2, Reports(id));
        Assert.Equal(usedAt, (await StatusAsync(id)).LastActivityAt);
    }

    [Fact]
    public async Task WebSocket_HandshakeKeepalivesAndEchoes_AreNotActivityButALargerClientFrameIs()
    {
        using var cancel = new CancellationTokenSource(Bound);
        await using var rig = await StandInRigAsync("activity-ws", cancel.Token);
        var (_, id, session, _, gateway) = rig;
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Cookie", $"zlh_ide={session}");
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        await socket.ConnectAsync(new Uri($"ws://{new Uri(gateway.Urls.First()).Authority}/__ide/{id}/echo"), cancel.Token);

        await FlushAsync(gateway);
        Assert.Equal(0, Reports(id));

        // VS Code's keepalive size: 13-byte binary messages, each echoed back (server output).
        for (var i = 0; i < 20; i++)
        {
            await EchoAsync(socket, new byte[13], WebSocketMessageType.Binary, cancel.Token);
        }

        await FlushAsync(gateway);
        Assert.Equal(0, Reports(id));
        Assert.Null((await StatusAsync(id)).LastActivityAt);

        var typedAt = fixture.Clock.GetUtcNow();
        await EchoAsync(socket, new byte[14], WebSocketMessageType.Text, cancel.Token);
        await FlushAsync(gateway);

        Assert.Equal(1, Reports(id));
        Assert.Equal(typedAt, (await StatusAsync(id)).LastActivityAt);

        // The extension offer never reached the IDE, so frame sizes are the IDE's own, uncompressed.
        using var browser = Browser(gateway);
        var seen = await (await GetAsync(browser, id, session, "/__standin/requests", cancel.Token)).Content.ReadFromJsonAsync<JsonElement>(cancel.Token);
        var upgrade = seen.EnumerateArray().Single(r => r.GetProperty("path").GetString() == "/echo");
        Assert.True(upgrade.GetProperty("webSocket").GetBoolean());
        Assert.False(upgrade.GetProperty("headers").TryGetProperty("Sec-WebSocket-Extensions", out _));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancel.Token);
    }

    [Fact]
    public async Task WebSocket_ServerOutputOnlyOnAnOpenSocket_IsNotActivityAndCodeServerStopsAfterTheTimeout()
    {
        using var cancel = new CancellationTokenSource(Bound);
        await using var pushing = await PushingIde.StartAsync(frames: 20);
        var (id, session, _) = await ReadyAsync("activity-push", pushing.Endpoint);
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock);
        using var portal = fixture.CreateClient(TestTokens.For("activity-push"));
        using var events = await portal.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync(cancel.Token));
        var start = (await ContainerEventsTests.ReadEventAsync(reader, cancel.Token)).Data;
        var stopAt = start.GetProperty("dev").GetProperty("idleStopAt").GetDateTimeOffset();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Cookie", $"zlh_ide={session}");
        await socket.ConnectAsync(new Uri($"ws://{new Uri(gateway.Urls.First()).Authority}/__ide/{id}/push"), cancel.Token);

        var buffer = new byte[4096];
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(1024, (await socket.ReceiveAsync(buffer, cancel.Token)).Count);
        }

        await FlushAsync(gateway);
        Assert.Equal(0, Reports(id));

        // The socket stays open and silent; the cluster's idle watch warns, then stops code-server.
        fixture.Clock.Advance(stopAt - fixture.Clock.GetUtcNow() - TimeSpan.FromMinutes(5));
        var warning = (await ContainerEventsTests.ReadUntilAsync(reader, "idleWarning", cancel.Token)).Data;
        fixture.Clock.Advance(stopAt - fixture.Clock.GetUtcNow());
        var stopped = (await ContainerEventsTests.ReadUntilAsync(reader, "specChanged", cancel.Token)).Data;

        Assert.Equal($"code-server stops at {stopAt:O} without IDE activity; use the IDE or keep it running", warning.GetProperty("summary").GetString());
        Assert.Equal("code-server stopped: no IDE activity for 00:30:00 (idle timeout); the container keeps running", stopped.GetProperty("summary").GetString());
        Assert.Equal(JsonValueKind.Null, stopped.GetProperty("status").GetProperty("dev").GetProperty("idleStopAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, stopped.GetProperty("status").GetProperty("dev").GetProperty("lastActivityAt").ValueKind);
        Assert.Equal(0, Reports(id));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Tunnel_RefusedSessions_RecordNoActivityAndHoldNoStateForTheIdsTried()
    {
        using var cancel = new CancellationTokenSource(Bound);
        await using var rig = await StandInRigAsync("activity-refused", cancel.Token);
        var (_, id, session, _, gateway) = rig;
        var (strangers, _) = await fixture.ProvisionDevAsync("activity-refused-stranger");
        var reporter = gateway.Services.GetRequiredService<IdeActivityReporter>();
        using var browser = Browser(gateway);

        // A hostile browser: its valid cookie on a stranger's container and on ids that are no container, a made-up
        // cookie and none at all on the owner's, and a WebSocket upgrade with the valid cookie on the stranger's.
        var statuses = new List<HttpStatusCode>
        {
            (await GetAsync(browser, strangers, session, "/", cancel.Token)).StatusCode,
            (await GetAsync(browser, id, "made-up-session-0123456789", "/", cancel.Token)).StatusCode,
            (await browser.GetAsync($"/__ide/{id}/", cancel.Token)).StatusCode,
        };
        for (var i = 0; i < 20; i++)
        {
            statuses.Add((await GetAsync(browser, 900_000_000 + i, session, "/", cancel.Token)).StatusCode);
        }

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Cookie", $"zlh_ide={session}");
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://{new Uri(gateway.Urls.First()).Authority}/__ide/{strangers}/echo"), cancel.Token));
        await FlushAsync(gateway);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 23), statuses);
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        Assert.Equal(0, reporter.TrackedContainers);
        Assert.Equal(0, Reports(id));
        Assert.Equal(0, Reports(strangers));
        Assert.Null((await StatusAsync(id)).LastActivityAt);
        Assert.Null((await StatusAsync(strangers)).LastActivityAt);
    }

    [Fact]
    public async Task KeepRunning_OwnerOperatorStrangerAndNoToken_ResetOr404Or401()
    {
        var (id, _) = await fixture.ProvisionDevAsync("activity-keep");
        using var owner = fixture.CreateClient(TestTokens.For("activity-keep"));
        using var ops = fixture.CreateClient(TestTokens.For("activity-ops", isOperator: true));
        using var stranger = fixture.CreateClient(TestTokens.For("activity-stranger"));
        using var nobody = fixture.CreateClient();
        var before = await StatusAsync(id);

        var refusedStranger = await stranger.PostAsync($"/api/dev/{id}/ide/keep-running", null);
        var refusedNobody = await nobody.PostAsync($"/api/dev/{id}/ide/keep-running", null);
        Assert.Equal(HttpStatusCode.NotFound, refusedStranger.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedNobody.StatusCode);
        Assert.Equal(before.IdleStopAt, (await StatusAsync(id)).IdleStopAt);

        fixture.Clock.Advance(TimeSpan.FromMinutes(7));
        var keptAt = fixture.Clock.GetUtcNow();
        var kept = await owner.PostAsync($"/api/dev/{id}/ide/keep-running", null);
        var byOperator = await ops.PostAsync($"/api/dev/{id}/ide/keep-running", null);

        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byOperator.StatusCode);
        var body = await kept.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(keptAt.AddMinutes(30), body.GetProperty("dev").GetProperty("idleStopAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("dev").GetProperty("lastActivityAt").ValueKind);
        Assert.Equal(keptAt.AddMinutes(30), (await StatusAsync(id)).IdleStopAt);
        Assert.NotEqual(before.IdleStopAt, keptAt.AddMinutes(30));
    }

    [Theory]
    [InlineData(-1, HttpStatusCode.BadRequest)]
    [InlineData(10081, HttpStatusCode.BadRequest)]
    [InlineData(0, HttpStatusCode.Created)]
    [InlineData(10080, HttpStatusCode.Created)]
    public async Task ProvisionDev_IdleTimeoutMinutes_CheckedAndKept(int minutes, HttpStatusCode expected)
    {
        using var portal = fixture.CreateClient(TestTokens.For("activity-spec"));

        var response = await portal.PostAsJsonAsync("/api/dev", new { runtime = "node", idleTimeoutMinutes = minutes });

        Assert.Equal(expected, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (expected == HttpStatusCode.BadRequest)
        {
            Assert.Equal("idleTimeoutMinutes must be between 0 (never) and 10080.", body.GetProperty("detail").GetString());
            return;
        }

        var idleStopAt = body.GetProperty("status").GetProperty("dev").GetProperty("idleStopAt");
        if (minutes == 0)
        {
            Assert.Equal(JsonValueKind.Null, idleStopAt.ValueKind);
        }
        else
        {
            Assert.Equal(fixture.Clock.GetUtcNow().AddMinutes(minutes), idleStopAt.GetDateTimeOffset());
        }
    }

    private int Reports(long id) => fixture.Calls.Count(fixture.Client.GetGrain<IDevContainerGrain>(id).GetGrainId(), nameof(IDevContainerGrain.ReportIdeActivityAsync));

    /// <summary>Advances the shared clock one flush interval and waits for the flush it started.</summary>
    private async Task FlushAsync(WebApplication gateway)
    {
        fixture.Clock.Advance(Flush);
        await gateway.Services.GetRequiredService<IdeActivityReporter>().FlushAsync();
    }

    /// <summary>The stand-in IDE, a dev container of <paramref name="userId"/> ready with it and an open session, and a gateway of the test's own.</summary>
    private async Task<StandInRig> StandInRigAsync(string userId, CancellationToken cancellationToken)
    {
        var ide = await StandInProcess.StartAsync(cancellationToken);
        try
        {
            var (id, session, agent) = await ReadyAsync(userId, ide.Endpoint);
            return new StandInRig(ide, id, session, agent, await GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock));
        }
        catch
        {
            await ide.DisposeAsync();
            throw;
        }
    }

    private async Task<(long Id, string Session, FakeAgent Agent)> ReadyAsync(string userId, string endpoint)
    {
        var (id, agent) = await fixture.ProvisionDevAsync(userId);
        await fixture.SetAddressAsync(id, endpoint);
        await agent.BecomeReadyAsync(endpoint);
        return (id, await fixture.OpenIdeSessionAsync(userId, id), agent);
    }

    private async Task<Grains.Containers.DevStatus> StatusAsync(long id)
    {
        using var ops = fixture.CreateClient(TestTokens.For("activity-ops", isOperator: true));
        var status = await ops.GetFromJsonAsync<Grains.Containers.ContainerStatus>($"/api/servers/{id}/status", Json.Options);
        return status!.Dev!;
    }

    private static HttpClient Browser(WebApplication gateway) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(gateway.Urls.First()) };

    private static async Task<HttpResponseMessage> GetAsync(HttpClient browser, long id, string session, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}{path}");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        var response = await browser.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response;
    }

    private static async Task EchoAsync(WebSocket socket, byte[] payload, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await socket.SendAsync(payload, type, true, cancellationToken);
        var buffer = new byte[1024];
        var echoed = await socket.ReceiveAsync(buffer, cancellationToken);
        Assert.Equal(payload.Length, echoed.Count);
    }

    private sealed record StandInRig(StandInProcess Ide, long Id, string Session, FakeAgent Agent, WebApplication Gateway) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Ide.DisposeAsync();
        }
    }

    /// <summary>An IDE that only talks: every WebSocket gets <c>frames</c> binary frames of 1 KiB, then silence until the client leaves.</summary>
    private sealed class PushingIde(WebApplication app, string endpoint) : IAsyncDisposable
    {
        public string Endpoint { get; } = endpoint;

        public static async Task<PushingIde> StartAsync(int frames)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.UseWebSockets();
            app.Run(async http =>
            {
                using var socket = await http.WebSockets.AcceptWebSocketAsync();
                for (var i = 0; i < frames; i++)
                {
                    await socket.SendAsync(new byte[1024], WebSocketMessageType.Binary, true, http.RequestAborted);
                }

                try
                {
                    await socket.ReceiveAsync(new byte[16], http.RequestAborted);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                    // The client went away without a close handshake.
                }
            });
            await app.StartAsync();
            var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
            return new PushingIde(app, "127.0.0.1:" + port);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
