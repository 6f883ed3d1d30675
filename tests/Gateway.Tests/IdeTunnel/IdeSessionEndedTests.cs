using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>
/// After revocation or expiry the IDE reconnects (its WebSocket, then a reload of its page): the tunnel answers both so
/// that the user reads "IDE session ended", with the stand-in IDE as a real upstream behind the real gateway.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class IdeSessionEndedTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Reconnect_AfterRevocation_WebSocket401AndPageSaySessionEnded()
    {
        using var cancel = new CancellationTokenSource(Bound);
        await using var ide = await StandInProcess.StartAsync(cancel.Token);
        var (id, session) = await ReadyAtAsync(ide, "session-ended");
        using var browser = fixture.CreateClient();

        var page = await SendAsync(browser, id, session, "/", "text/html,application/xhtml+xml", cancel.Token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var pageText = await page.Content.ReadAsStringAsync(cancel.Token);
        Assert.Contains("<h1>Stand-in IDE</h1>", pageText, StringComparison.Ordinal);
        Assert.Contains("window.location.reload()", pageText, StringComparison.Ordinal);

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Cookie", $"zlh_ide={session}");
        await socket.ConnectAsync(new Uri($"ws://{fixture.BaseAddress.Authority}/__ide/{id}/echo"), cancel.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, cancel.Token);
        var buffer = new byte[64];
        var echoed = await socket.ReceiveAsync(buffer, cancel.Token);
        Assert.Equal("hello", Encoding.UTF8.GetString(buffer, 0, echoed.Count));

        using var portal = fixture.CreateClient(TestTokens.For("session-ended"));
        Assert.Equal(HttpStatusCode.OK, (await portal.DeleteAsync($"/api/dev/{id}/ide-sessions", cancel.Token)).StatusCode);
        var cut = socket.ReceiveAsync(buffer, cancel.Token);
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<WebSocketException>(() => cut);

        await AssertSessionEndedAsync(browser, id, session, cancel.Token);
        await AssertIdeSawOnlyAsync(ide, ["/", "/echo"], cancel.Token);
    }

    [Fact]
    public async Task Reconnect_AfterExpiry_WebSocket401AndPageSaySessionEnded()
    {
        using var cancel = new CancellationTokenSource(Bound);
        await using var ide = await StandInProcess.StartAsync(cancel.Token);
        var (id, session) = await ReadyAtAsync(ide, "session-expired");
        using var browser = fixture.CreateClient();
        using (var page = await SendAsync(browser, id, session, "/", "text/html,application/xhtml+xml", cancel.Token))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        // A gateway whose clock stands where the session ends (Ide:SessionLifetime, 12 h after it was opened), so the
        // shared clock stays put for the other tests. The cluster still answers "accepted" (its clock has not moved):
        // the gateway's own check of the session's end refuses it, as it does for a lookup it cached before the end.
        var atTheEnd = new FakeTimeProvider(fixture.Clock.GetUtcNow() + TimeSpan.FromHours(12));
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, atTheEnd);
        using var later = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(gateway.Urls.First()) };

        await AssertSessionEndedAsync(later, id, session, cancel.Token);
        await AssertIdeSawOnlyAsync(ide, ["/"], cancel.Token);
    }

    /// <summary>A ready dev container of <paramref name="user"/> whose IDE is <paramref name="ide"/>, and an open IDE session.</summary>
    private async Task<(long Id, string Session)> ReadyAtAsync(StandInProcess ide, string user)
    {
        var (id, agent) = await fixture.ProvisionDevAsync(user);
        await fixture.SetAddressAsync(id, ide.Endpoint);
        await agent.BecomeReadyAsync(ide.Endpoint);
        return (id, await fixture.OpenIdeSessionAsync(user, id));
    }

    /// <summary>
    /// The IDE reconnecting with a session that ended: its WebSocket reconnect, the reload of its window and a fetch
    /// are all answered 401 with the words the user reads.
    /// </summary>
    private static async Task AssertSessionEndedAsync(HttpClient browser, long id, string session, CancellationToken cancellationToken)
    {
        // The IDE's WebSocket reconnect: refused before the upgrade, with the words in the body.
        using var upgrade = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/echo");
        upgrade.Headers.Add("Cookie", $"zlh_ide={session}");
        upgrade.Headers.Connection.Add("Upgrade");
        upgrade.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        upgrade.Headers.Add("Sec-WebSocket-Version", "13");
        upgrade.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        using var reconnect = await browser.SendAsync(upgrade, cancellationToken);

        // Its reload of the window: the page the user then reads.
        using var reload = await SendAsync(browser, id, session, "/", "text/html,application/xhtml+xml", cancellationToken);

        // A fetch of the IDE's: the same words, as text.
        using var fetch = await SendAsync(browser, id, session, "/healthz", "*/*", cancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, reconnect.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", reconnect.Content.Headers.ContentType?.ToString());
        Assert.Equal("IDE session ended \u2014 reopen it from the portal.\n", await reconnect.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal(HttpStatusCode.Unauthorized, reload.StatusCode);
        Assert.Equal("text/html; charset=utf-8", reload.Content.Headers.ContentType?.ToString());
        var reloadText = await reload.Content.ReadAsStringAsync(cancellationToken);
        Assert.Contains("<title>IDE session ended</title>", reloadText, StringComparison.Ordinal);
        Assert.Contains("Reopen it from the portal.", reloadText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, fetch.StatusCode);
        Assert.Equal("IDE session ended \u2014 reopen it from the portal.\n", await fetch.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>None of the refused requests reached the IDE: its own record, asked directly, ends with this question.</summary>
    private static async Task AssertIdeSawOnlyAsync(StandInProcess ide, string[] served, CancellationToken cancellationToken)
    {
        using var direct = new HttpClient();
        using var seen = System.Text.Json.JsonDocument.Parse(await direct.GetStringAsync(new Uri($"http://{ide.Endpoint}/__standin/requests"), cancellationToken));
        Assert.Equal([.. served, "/__standin/requests"], seen.RootElement.EnumerateArray().Select(record => record.GetProperty("path").GetString()));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, long id, string session, string path, string accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}{path}");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        request.Headers.Add("Accept", accept);
        var response = await browser.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response;
    }
}
