using System.Net;
using System.Net.WebSockets;
using System.Text;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>
/// After revocation the IDE reconnects (its WebSocket, then a reload of its page): the tunnel answers both so that the
/// user reads "IDE session ended", with the stand-in IDE as a real upstream behind the real gateway.
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
        var (id, agent) = await fixture.ProvisionDevAsync("session-ended");
        await fixture.SetAddressAsync(id, ide.Endpoint);
        await agent.BecomeReadyAsync(ide.Endpoint);
        var session = await fixture.OpenIdeSessionAsync("session-ended", id);
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

        // The IDE's WebSocket reconnect: refused before the upgrade, with the words in the body.
        using var upgrade = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/echo");
        upgrade.Headers.Add("Cookie", $"zlh_ide={session}");
        upgrade.Headers.Connection.Add("Upgrade");
        upgrade.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        upgrade.Headers.Add("Sec-WebSocket-Version", "13");
        upgrade.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        using var reconnect = await browser.SendAsync(upgrade, cancel.Token);

        // Its reload of the window: the page the user then reads.
        using var reload = await SendAsync(browser, id, session, "/", "text/html,application/xhtml+xml", cancel.Token);

        // A fetch of the IDE's: the same words, as text.
        using var fetch = await SendAsync(browser, id, session, "/healthz", "*/*", cancel.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, reconnect.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", reconnect.Content.Headers.ContentType?.ToString());
        Assert.Equal("IDE session ended \u2014 reopen it from the portal.\n", await reconnect.Content.ReadAsStringAsync(cancel.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, reload.StatusCode);
        Assert.Equal("text/html; charset=utf-8", reload.Content.Headers.ContentType?.ToString());
        var reloadText = await reload.Content.ReadAsStringAsync(cancel.Token);
        Assert.Contains("<title>IDE session ended</title>", reloadText, StringComparison.Ordinal);
        Assert.Contains("Reopen it from the portal.", reloadText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, fetch.StatusCode);
        Assert.Equal("IDE session ended \u2014 reopen it from the portal.\n", await fetch.Content.ReadAsStringAsync(cancel.Token));

        // None of the refused requests reached the IDE (its own record, asked directly, ends with this question).
        using var direct = new HttpClient();
        using var seen = System.Text.Json.JsonDocument.Parse(await direct.GetStringAsync(new Uri($"http://{ide.Endpoint}/__standin/requests"), cancel.Token));
        Assert.Equal(["/", "/echo", "/__standin/requests"], seen.RootElement.EnumerateArray().Select(record => record.GetProperty("path").GetString()));
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
