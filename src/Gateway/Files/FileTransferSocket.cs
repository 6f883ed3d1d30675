using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// <c>GET /agent/files/transfers/{id}</c> (WebSocket): where agents dial for a transfer their grain ordered. The ticket
/// header is the only credential and is checked before the upgrade: not a WebSocket request is 400, a ticket that is
/// unknown, used, expired or bound to another container, kind or target is 403, and nothing reaches a file.
/// </summary>
internal static class FileTransferSocket
{
    public static IEndpointRouteBuilder MapFileTransferSocket(this IEndpointRouteBuilder app)
    {
        app.MapGet(FileTransfers.Route, DialAsync);
        return app;
    }

    private static async Task<IResult> DialAsync(HttpContext http, FileTransfers transfers, long id)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.Problem(detail: "The transfer socket takes a WebSocket request.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
        }

        var headers = http.Request.Headers;
        var pending = transfers.Claim(headers[FileTransferProtocol.TicketHeader], id, headers[FileTransferProtocol.KindHeader], headers[FileTransferProtocol.TargetHeader]);

        // The ticket stops here: it is not kept with the request beyond this check.
        headers.Remove(FileTransferProtocol.TicketHeader);
        if (pending is null)
        {
            return TypedResults.Problem(detail: "The transfer ticket is not valid.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var link = new AgentLink(socket);
        if (!pending.Connect(link))
        {
            // The browser's request stopped waiting (it fell back to chunked calls or went away).
            socket.Abort();
            return TypedResults.Empty;
        }

        // The socket lives as long as this request, so the request ends only when the browser's side is done with it
        // (which always disposes the link), not when the agent's connection closes: what it sent before closing is
        // still to be read here.
        await link.Done;
        return TypedResults.Empty;
    }
}
