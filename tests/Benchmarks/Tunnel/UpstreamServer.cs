using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>
/// The IDE stand-in every tunnel variant reaches: Kestrel answering any GET with the same small body (an IDE's
/// typical asset or API answer) and echoing WebSocket messages on <c>/ws</c>. Runs as a process of its own.
/// </summary>
internal static class UpstreamServer
{
    public const string ReadyLine = "zlh-bench-upstream: ready";

    /// <summary>The body every GET returns: 1 KiB.</summary>
    public static readonly byte[] Body = System.Text.Encoding.ASCII.GetBytes(new string('z', 1024));

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var port = builder.Configuration.GetValue<int>("Bench:Port");
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        app.UseWebSockets();
        // configurable-http-proxy forwards the path as it came (/__ide/{id}/ws); the others strip the prefix.
        app.Map("/ws", EchoAsync);
        app.Map("/__ide/{id}/ws", EchoAsync);
        app.MapGet("/{**path}", static http =>
        {
            http.Response.ContentType = "text/plain";
            http.Response.ContentLength = Body.Length;
            return http.Response.Body.WriteAsync(Body).AsTask();
        });
        await app.StartAsync();
        Console.WriteLine(ReadyLine);
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static async Task EchoAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, http.RequestAborted);
            if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, http.RequestAborted);
        }
    }
}
