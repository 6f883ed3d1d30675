using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

[Collection(GatewayCollection.Name)]
public sealed class IdeTunnelWebSocketTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WebSocket_TextAndBinary_EchoedThroughTunnel()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("ws-echo");
        using var cancel = new CancellationTokenSource(Bound);
        using var socket = await ConnectAsync(id, session, "/ws", cancel.Token);

        await socket.SendAsync(Encoding.UTF8.GetBytes("hello ide ✓"), WebSocketMessageType.Text, true, cancel.Token);
        var text = await ReceiveAsync(socket, cancel.Token);
        await socket.SendAsync(new byte[] { 0, 1, 2, 255 }, WebSocketMessageType.Binary, true, cancel.Token);
        var binary = await ReceiveAsync(socket, cancel.Token);

        Assert.Equal(WebSocketMessageType.Text, text.Type);
        Assert.Equal("hello ide ✓", Encoding.UTF8.GetString(text.Payload));
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, binary.Payload);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancel.Token);
    }

    [Fact]
    public async Task WebSocket_UpgradeRequest_UpstreamSeesHostOriginAndNoIdeCookie()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("ws-headers");
        using var cancel = new CancellationTokenSource(Bound);
        var origin = fixture.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var socket = await ConnectAsync(id, session, "/stable-ws?reconnectionToken=r1", cancel.Token, origin, extraCookie: "vscode-tkn=abc");

        var seen = fixture.Upstream.LastRequestTo("/stable-ws");

        Assert.True(seen.IsWebSocket);
        Assert.Equal("?reconnectionToken=r1", seen.Query);
        Assert.Equal(fixture.BaseAddress.Authority, seen.Headers["Host"]);
        Assert.Equal(origin, seen.Headers["Origin"]);
        Assert.Equal("vscode-tkn=abc", seen.Headers["Cookie"]);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancel.Token);
    }

    [Theory]
    [InlineData(WebSocketMessageType.Text)]
    [InlineData(WebSocketMessageType.Binary)]
    public async Task WebSocket_OneMebibyteMessage_ArrivesWhole(WebSocketMessageType type)
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("ws-1mib-" + type);
        using var cancel = new CancellationTokenSource(Bound);
        using var socket = await ConnectAsync(id, session, "/ws", cancel.Token);
        var payload = type == WebSocketMessageType.Text
            ? Encoding.UTF8.GetBytes(new string('x', 1024 * 1024))
            : RandomNumberGenerator.GetBytes(1024 * 1024);

        await socket.SendAsync(payload, type, true, cancel.Token);
        var echoed = await ReceiveAsync(socket, cancel.Token);

        Assert.Equal(type, echoed.Type);
        Assert.Equal(payload.Length, echoed.Payload.Length);
        Assert.True(payload.AsSpan().SequenceEqual(echoed.Payload));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancel.Token);
    }

    [Fact]
    public async Task WebSocket_ClientCloseCode_ReachesUpstreamAndComesBack()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("ws-close-client");
        using var cancel = new CancellationTokenSource(Bound);
        using var socket = await ConnectAsync(id, session, "/ws", cancel.Token);
        var before = fixture.Upstream.ClosesReceived.Count;

        await socket.CloseAsync((WebSocketCloseStatus)4000, "client bye", cancel.Token);

        Assert.Equal((WebSocketCloseStatus)4000, socket.CloseStatus);
        Assert.Contains((WebSocketCloseStatus)4000, fixture.Upstream.ClosesReceived.Skip(before));
    }

    [Fact]
    public async Task WebSocket_UpstreamCloseCode_ReachesBrowser()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("ws-close-upstream");
        using var cancel = new CancellationTokenSource(Bound);
        using var socket = await ConnectAsync(id, session, "/ws", cancel.Token);

        await socket.SendAsync(Encoding.UTF8.GetBytes("close-me:4001"), WebSocketMessageType.Text, true, cancel.Token);
        var result = await ReceiveAsync(socket, cancel.Token);

        Assert.Equal(WebSocketMessageType.Close, result.Type);
        Assert.Equal((WebSocketCloseStatus)4001, socket.CloseStatus);
        Assert.Equal("upstream closing", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task WebSocket_TwoHundredConcurrentSockets_AllEchoTheirOwnMessages()
    {
        const int Sockets = 200;
        var (id, _, session) = await fixture.ReadyIdeAsync("ws-many");
        using var cancel = new CancellationTokenSource(Bound);

        var results = await Task.WhenAll(Enumerable.Range(0, Sockets).Select(async i =>
        {
            using var socket = await ConnectAsync(id, session, "/ws", cancel.Token);
            var message = "socket " + i;
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, cancel.Token);
            var echoed = Encoding.UTF8.GetString((await ReceiveAsync(socket, cancel.Token)).Payload);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancel.Token);
            return echoed == message;
        }));

        Assert.Equal(Sockets, results.Count(ok => ok));
    }

    [Fact]
    public async Task WebSocket_SessionRevokedWhileOpen_ConnectionCut()
    {
        var (id, _, session) = await fixture.ReadyIdeAsync("ws-revoked");
        using var cancel = new CancellationTokenSource(Bound);
        using var socket = await ConnectAsync(id, session, "/ws", cancel.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("before"), WebSocketMessageType.Text, true, cancel.Token);
        Assert.Equal("before", Encoding.UTF8.GetString((await ReceiveAsync(socket, cancel.Token)).Payload));
        using var portal = fixture.CreateClient(TestTokens.For("ws-revoked"));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await portal.DeleteAsync($"/api/dev/{id}/ide-sessions", cancel.Token)).StatusCode);

        // One TTL: the cached answer expires and the watch asks the grain again.
        var receive = ReceiveAsync(socket, cancel.Token);
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<WebSocketException>(() => receive);
        Assert.NotEqual(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task WebSocket_SessionStillValid_SurvivesWatchTicks()
    {
        var (id, agent, session) = await fixture.ReadyIdeAsync("ws-valid");
        using var cancel = new CancellationTokenSource(Bound);
        using var socket = await ConnectAsync(id, session, "/ws", cancel.Token);

        for (var i = 0; i < 3; i++)
        {
            await agent.BeatAsync(Grains.DevContainers.CodeServerState.Running, fixture.Upstream.Endpoint);
            fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes("still here"), WebSocketMessageType.Text, true, cancel.Token);
        Assert.Equal("still here", Encoding.UTF8.GetString((await ReceiveAsync(socket, cancel.Token)).Payload));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancel.Token);
    }

    [Fact]
    public async Task WebSocket_WithoutSession_RefusedBeforeUpgrade()
    {
        var (id, _, _) = await fixture.ReadyIdeAsync("ws-refused");
        using var cancel = new CancellationTokenSource(Bound);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsUri(id, "/ws"), cancel.Token));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    private async Task<ClientWebSocket> ConnectAsync(long id, string session, string path, CancellationToken cancellationToken, string? origin = null, string? extraCookie = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Cookie", extraCookie is null ? $"zlh_ide={session}" : $"zlh_ide={session}; {extraCookie}");
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        await socket.ConnectAsync(WsUri(id, path), cancellationToken);
        return socket;
    }

    private Uri WsUri(long id, string path) => new($"ws://{fixture.BaseAddress.Authority}/__ide/{id}{path}");

    private static async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cancellationToken);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return (result.MessageType, message.ToArray());
    }
}
