using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>
/// A real HTTP + WebSocket server on loopback standing in for code-server. It records what each request looked like
/// when it arrived (path, query, headers) and echoes WebSocket messages; "close-me:CODE" makes it close with CODE,
/// and a close from the client is answered with the same code.
/// </summary>
public sealed class UpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private UpstreamServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Every request as it reached the upstream, in arrival order.</summary>
    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Close codes the upstream received from clients.</summary>
    public ConcurrentQueue<WebSocketCloseStatus?> ClosesReceived { get; } = new();

    /// <summary>"127.0.0.1:port", the form an agent reports.</summary>
    public string Endpoint { get; private set; } = "";

    public static async Task<UpstreamServer> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new UpstreamServer(app);
        app.UseWebSockets();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.Endpoint = "127.0.0.1:" + address.Port;
        return server;
    }

    public SeenRequest LastRequestTo(string path) => Requests.Last(r => r.Path == path);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in http.Request.Headers)
        {
            headers[header.Key] = header.Value.ToString();
        }

        Requests.Enqueue(new SeenRequest(http.Request.Method, http.Request.Path.Value ?? "", http.Request.QueryString.Value ?? "", headers, http.WebSockets.IsWebSocketRequest));
        if (http.WebSockets.IsWebSocketRequest)
        {
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await EchoAsync(socket);
            return;
        }

        if (http.Request.Path == "/redirect")
        {
            http.Response.Redirect("/login?next=%2Fx");
            return;
        }

        if (http.Request.Path == "/redirect-to")
        {
            // The IDE redirects wherever the test says (an upstream owned by a hostile tenant).
            http.Response.StatusCode = StatusCodes.Status302Found;
            http.Response.Headers.Location = http.Request.Query["target"].ToString();
            await http.Response.WriteAsync("moved");
            return;
        }

        if (http.Request.Path == "/set-cookie")
        {
            http.Response.Headers.Append("Set-Cookie", "zlh_ide=planted; Path=/");
            http.Response.Headers.Append("Set-Cookie", "ZLH_IDE=planted; Path=/__ide/");
            http.Response.Headers.Append("Set-Cookie", " Zlh_Ide =planted");
            http.Response.Headers.Append("Set-Cookie", "vscode-tkn=ok; Path=/");
            http.Response.Headers.Append("Set-Cookie", "wide=1; Domain=127.0.0.1; Path=/");
            http.Response.Headers.Append("Set-Cookie", "sub=1; path=/static; HttpOnly");
            http.Response.Headers.Append("Set-Cookie", "plain=1");
        }

        if (http.Request.Path == "/sw.js")
        {
            // What a hostile IDE sends to let its worker claim the whole origin.
            http.Response.Headers["Service-Worker-Allowed"] = "/";
            http.Response.ContentType = "text/javascript";
            await http.Response.WriteAsync("self.addEventListener('fetch', () => {});");
            return;
        }

        if (http.Request.Path == "/hostile.html")
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync("<!doctype html><title>IDE</title><p id=\"ide\">an IDE page</p>");
            return;
        }

        http.Response.ContentType = "text/plain";
        if (http.Request.Path == "/upload")
        {
            // Reports how many bytes of the body arrived.
            var received = 0L;
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer)) > 0)
            {
                received += read;
            }

            await http.Response.WriteAsync("received " + received);
            return;
        }

        await http.Response.WriteAsync("upstream " + http.Request.Method + " " + http.Request.Path + http.Request.QueryString);
    }

    private async Task EchoAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            message.SetLength(0);
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                ClosesReceived.Enqueue(result.CloseStatus);
                await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, CancellationToken.None);
                return;
            }

            if (result.MessageType == WebSocketMessageType.Text)
            {
                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                if (text.StartsWith("close-me:", StringComparison.Ordinal))
                {
                    await socket.CloseAsync((WebSocketCloseStatus)int.Parse(text["close-me:".Length..], System.Globalization.CultureInfo.InvariantCulture), "upstream closing", CancellationToken.None);
                    return;
                }
            }

            await socket.SendAsync(new ArraySegment<byte>(message.GetBuffer(), 0, (int)message.Length), result.MessageType, endOfMessage: true, CancellationToken.None);
        }
    }
}

/// <summary>One request as the upstream saw it.</summary>
public sealed record SeenRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, bool IsWebSocket);
