using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>What a browser does to open the IDE: ask for a token, follow the bootstrap, keep the cookie, talk HTTP and WebSocket.</summary>
internal static class IdeClient
{
    /// <summary>Issues a token, redeems it and returns the <c>zlh_ide</c> cookie (name=value).</summary>
    public static async Task<string> OpenSessionAsync(Platform platform, long id)
    {
        var grant = await platform.SendAsync(HttpMethod.Post, $"/api/dev/{id}/ide-token", platform.Token);
        using var bootstrap = await platform.Http.GetAsync(platform.GatewayUrl + grant.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.Found, bootstrap.StatusCode);
        Assert.Equal($"/__ide/{id}/", bootstrap.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(bootstrap.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"path=/__ide/{id}/", setCookie, StringComparison.OrdinalIgnoreCase);
        return setCookie.Split(';')[0];
    }

    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(Platform platform, long id, string cookie, string path = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{platform.GatewayUrl}/__ide/{id}/{path}");
        request.Headers.Add("Cookie", cookie);
        using var response = await platform.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Sends a text and a binary message through the tunnel to the stand-in's echo socket and returns what came back.</summary>
    public static async Task<(string Text, byte[] Binary)> EchoAsync(Platform platform, long id, string cookie, string text, byte[] binary)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Cookie", cookie);
        await socket.ConnectAsync(new Uri($"{platform.GatewayUrl.Replace("http://", "ws://", StringComparison.Ordinal)}/__ide/{id}/echo"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var textBack = Encoding.UTF8.GetString(await ReceiveAsync(socket));
        await socket.SendAsync(binary, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        var binaryBack = await ReceiveAsync(socket);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        return (textBack, binaryBack);
    }

    private static async Task<byte[]> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return message.ToArray();
    }

    public static string Text(this JsonElement element, string property) => element.GetProperty(property).ToString();
}
