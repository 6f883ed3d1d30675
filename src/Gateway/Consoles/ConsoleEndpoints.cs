using System.Globalization;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Events;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>
/// The game console and the dev terminal (issue 15): a bearer-authenticated owner or operator mints a single-use ticket;
/// the browser opens the WebSocket with it (browsers cannot put a bearer on a WebSocket). One socket serves both.
/// </summary>
internal static class ConsoleEndpoints
{
    public static WebApplicationBuilder AddConsoles(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleSocketOptions>().BindConfiguration(ConsoleSocketOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ConsoleSocketOptions>, ConsoleSocketOptionsValidator>();
        builder.Services.AddSingleton<ConsoleStateHub>();
        builder.Services.AddSingleton<ConsoleViewerHub>();
        return builder;
    }

    public static RouteGroupBuilder MapConsoleEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/servers/{id:vmid}/console/ticket", IssueAsync);
        api.MapGet("/servers/{id:vmid}/console/audit", AuditAsync);
        api.MapPost("/dev/{id:vmid}/terminal/ticket", IssueTerminalAsync);
        return api;
    }

    public static IEndpointRouteBuilder MapConsoleSocket(this IEndpointRouteBuilder app)
    {
        // The ticket is the authority here, no bearer; it rides in the query, which the request log never writes.
        app.MapGet("/api/servers/{id:vmid}/console", OpenAsync).AllowAnonymous();
        app.MapGet("/api/dev/{id:vmid}/terminal", OpenTerminalAsync).AllowAnonymous();
        return app;
    }

    private static IConsoleGrain Game(ContainerGrains containers, long id) =>
        containers.Factory.GetGrain<IConsoleGrain>(id, ConsoleLimits.GameChannel, null);

    private static IConsoleGrain Terminal(ContainerGrains containers, long id) =>
        containers.Factory.GetGrain<IConsoleGrain>(id, ConsoleLimits.TerminalChannel, null);

    private static async Task<IResult> IssueAsync(HttpContext http, ContainerGrains containers, TimeProvider time, IOptions<ConsoleSocketOptions> options, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        await containers.GameAsync(id);
        return await TicketAsync(http, Game(containers, id), $"/api/servers/{id}/console", actor, time, options.Value);
    }

    private static async Task<IResult> IssueTerminalAsync(HttpContext http, ContainerGrains containers, TimeProvider time, IOptions<ConsoleSocketOptions> options, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        await containers.DevAsync(id);
        return await TicketAsync(http, Terminal(containers, id), $"/api/dev/{id}/terminal", actor, time, options.Value);
    }

    private static async Task<IResult> TicketAsync(HttpContext http, IConsoleGrain grain, string socketPath, Actor actor, TimeProvider time, ConsoleSocketOptions options)
    {
        var ticket = await grain.IssueTicketAsync(actor, SessionExpiry(http, time, options));
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new ConsoleTicketResponse($"{socketPath}?ticket={Uri.EscapeDataString(ticket.Ticket)}", ticket.ExpiresAt));
    }

    private static async Task<IResult> AuditAsync(HttpContext http, ContainerGrains containers, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        await containers.GameAsync(id);
        return TypedResults.Ok(await Game(containers, id).GetAuditAsync(actor));
    }

    private static async Task OpenAsync(HttpContext http, ContainerGrains containers, ConsoleViewerHub viewers, ConsoleStateHub stateHub, TimeProvider time, IOptions<ConsoleSocketOptions> options, long id)
    {
        var since = ParseSince(http);
        var server = await containers.GameAsync(id);
        var grain = Game(containers, id);
        if (await RedeemAsync(http, grain) is not { } grant)
        {
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var states = new ConsoleStateFeed(stateHub, server, id, grant.Actor);
        using var session = new ConsoleSocket(socket, new ConsoleSocketTarget(grain, grain, IsTerminal: false), viewers, grant, states, options.Value, time);
        await session.RunAsync(since, session: null, http.RequestAborted);
    }

    private static async Task OpenTerminalAsync(HttpContext http, ContainerGrains containers, ConsoleViewerHub viewers, TimeProvider time, IOptions<ConsoleSocketOptions> options, IdeActivityReporter activity, long id)
    {
        var since = ParseSince(http);
        string? asked = null;
        if (http.Request.Query.TryGetValue("session", out var sessionText))
        {
            asked = ConsoleLimits.IsSessionId(sessionText) ? sessionText.ToString() : throw new InvalidRequestException($"session must be {ConsoleLimits.SessionIdLength} lowercase hex digits.");
        }

        await containers.DevAsync(id);
        var terminal = Terminal(containers, id);
        if (await RedeemAsync(http, terminal) is not { } grant)
        {
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        string opened;
        try
        {
            opened = await terminal.OpenTerminalAsync(grant.Actor, asked);
        }
        catch (Exception ex) when (ex is ContainerConflictException or ContainerNotFoundException)
        {
            // Said in a frame: a browser never sees the status of a refused WebSocket open.
            await ConsoleSocket.RefuseAsync(socket, ex.Message, options.Value, time);
            return;
        }

        // A new shell's output starts at 0: an offset the client kept from the session it asked for means nothing here.
        var target = new ConsoleSocketTarget(containers.Factory.GetGrain<IConsoleGrain>(id, ConsoleLimits.TerminalSessionChannel(opened), null), terminal, IsTerminal: true, () => activity.Saw(id));
        using var session = new ConsoleSocket(socket, target, viewers, grant, states: null, options.Value, time);
        await session.RunAsync(opened == asked ? since : null, opened, http.RequestAborted);
    }

    /// <summary>The <c>since</c> offset of a socket request, after checking it is a WebSocket request at all.</summary>
    private static long? ParseSince(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw new InvalidRequestException("The console is a WebSocket; open it with a WebSocket client.");
        }

        if (!http.Request.Query.TryGetValue("since", out var sinceText))
        {
            return null;
        }

        return long.TryParse(sinceText, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidRequestException("since must be a non-negative byte offset.");
    }

    /// <summary>Redeems the request's ticket; a refused one is answered 401 here (null).</summary>
    private static async Task<ConsoleGrant?> RedeemAsync(HttpContext http, IConsoleGrain grain)
    {
        try
        {
            return await grain.RedeemTicketAsync(http.Request.Query["ticket"].ToString());
        }
        catch (ConsoleTicketRejectedException ex)
        {
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: ex.Message).ExecuteAsync(http);
            return null;
        }
    }

    /// <summary>When the caller's bearer token expires: a console opened with it must be renewed by then.</summary>
    private static DateTimeOffset SessionExpiry(HttpContext http, TimeProvider time, ConsoleSocketOptions options) =>
        long.TryParse(http.User.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : time.GetUtcNow() + options.DefaultSessionLifetime;
}

/// <summary>A console ticket: the WebSocket URL to open (single use) and when it expires.</summary>
public sealed record ConsoleTicketResponse(string Url, DateTimeOffset ExpiresAt);
