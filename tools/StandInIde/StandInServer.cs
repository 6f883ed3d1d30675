using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace ZlhGrind.Tools.StandInIde;

/// <summary>The HTTP + WebSocket server that plays code-server: a page, an echo socket and a record of the headers it saw.</summary>
internal static class StandInServer
{
    private const int RememberedRequests = 100;

    public static async Task RunAsync(StandInArguments arguments)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = arguments.Host is "0.0.0.0" or "*" ? IPAddress.Any : IPAddress.Parse(arguments.Host);
            kestrel.Listen(address, arguments.Port);
        });

        var app = builder.Build();
        var seen = new RequestLog(RememberedRequests);
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            var record = RequestRecord.From(context.Request, context.WebSockets.IsWebSocketRequest);
            seen.Add(record);

            // One JSON line per request on stdout: the gateway's tests read what reached the upstream.
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(record, StandInJson.Default.RequestRecord));
            await next(context);
        });

        app.MapGet("/", () => Results.Content(StandInPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/healthz", () => Results.Json(new HealthReply("alive"), StandInJson.Default.HealthReply));
        app.MapGet("/headers", (HttpRequest request) =>
            Results.Json(RequestRecord.From(request, false), StandInJson.Default.RequestRecord));
        app.MapGet("/__standin/folder", () => Results.Json(new FolderReply(arguments.Folder), StandInJson.Default.FolderReply));
        app.MapGet("/__standin/requests", () => Results.Json(seen.Snapshot(), StandInJson.Default.IReadOnlyListRequestRecord));
        app.Map("/echo", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync("the echo endpoint speaks WebSocket only");
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await EchoAsync(socket, context.RequestAborted);
        });

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            // Same wording as code-server, so whatever watches its output recognises readiness.
            foreach (var url in app.Urls)
            {
                Console.Out.WriteLine($"HTTP server listening on {url}/");
            }

            Console.Out.Flush();
        });

        if (arguments.Folder is not null)
        {
            await Console.Out.WriteLineAsync($"opening folder {arguments.Folder}");
        }

        if (arguments.Ignored.Count > 0)
        {
            await Console.Out.WriteLineAsync($"ignoring arguments: {string.Join(' ', arguments.Ignored)}");
        }

        await app.RunAsync();
    }

    private static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cancellationToken);
                    return;
                }

                // Frames are echoed as they come, keeping their type and message boundaries.
                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, cancellationToken);
            }
        }
        catch (WebSocketException)
        {
            // The peer went away without a close handshake; nothing to echo to.
        }
        catch (OperationCanceledException)
        {
            // The server is shutting down.
        }
    }
}
