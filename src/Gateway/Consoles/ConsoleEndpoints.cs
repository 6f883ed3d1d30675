using System.Globalization;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Events;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>
/// The game console (issue 15): a bearer-authenticated owner or operator mints a single-use ticket; the browser opens
/// the WebSocket with it (browsers cannot put a bearer on a WebSocket), and reads the command audit.
/// </summary>
internal static class ConsoleEndpoints
{
    public static WebApplicationBuilder AddConsoles(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleSocketOptions>().BindConfiguration(ConsoleSocketOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ConsoleSocketOptions>, ConsoleSocketOptionsValidator>();
        return builder;
    }

    public static RouteGroupBuilder MapConsoleEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/servers/{id:vmid}/console/ticket", IssueAsync);
        api.MapGet("/servers/{id:vmid}/console/audit", AuditAsync);
        return api;
    }

    public static IEndpointRouteBuilder MapConsoleSocket(this IEndpointRouteBuilder app)
    {
        // The ticket is the authority here, no bearer; it rides in the query, which the request log never writes.
        app.MapGet("/api/servers/{id:vmid}/console", OpenAsync).AllowAnonymous();
        return app;
    }

    private static IConsoleGrain Game(ContainerGrains containers, long id) =>
        containers.Factory.GetGrain<IConsoleGrain>(id, ConsoleLimits.GameChannel, null);

    private static async Task<IResult> IssueAsync(HttpContext http, ContainerGrains containers, TimeProvider time, IOptions<ConsoleSocketOptions> options, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        await containers.GameAsync(id);
        var session = SessionExpiry(http, time, options.Value);
        var ticket = await Game(containers, id).IssueTicketAsync(actor, session);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new ConsoleTicketResponse($"/api/servers/{id}/console?ticket={Uri.EscapeDataString(ticket.Ticket)}", ticket.ExpiresAt));
    }

    private static async Task<IResult> AuditAsync(HttpContext http, ContainerGrains containers, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        await containers.GameAsync(id);
        return TypedResults.Ok(await Game(containers, id).GetAuditAsync(actor));
    }

    private static async Task OpenAsync(HttpContext http, ContainerGrains containers, IClusterClient client, TimeProvider time, IOptions<ConsoleSocketOptions> options, IOptions<EventsOptions> events, ILoggerFactory logs, long id)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw new InvalidRequestException("The console is a WebSocket; open it with a WebSocket client.");
        }

        long? since = null;
        if (http.Request.Query.TryGetValue("since", out var sinceText))
        {
            since = long.TryParse(sinceText, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new InvalidRequestException("since must be a non-negative byte offset.");
        }

        var ticket = http.Request.Query["ticket"].ToString();
        var server = await containers.GameAsync(id);
        var grain = Game(containers, id);
        ConsoleGrant grant;
        try
        {
            grant = await grain.RedeemTicketAsync(ticket);
        }
        catch (ConsoleTicketRejectedException ex)
        {
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: ex.Message).ExecuteAsync(http);
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var states = new ConsoleStateFeed(client, server, id, grant.Actor, events.Value.HeartbeatInterval, events.Value.BufferSize, time, logs.CreateLogger<ConsoleStateFeed>());
        using var session = new ConsoleSocket(socket, grain, client, grant, states, options.Value, time, logs.CreateLogger<ConsoleSocket>());
        await session.RunAsync(since, http.RequestAborted);
    }

    /// <summary>When the caller's bearer token expires: a console opened with it must be renewed by then.</summary>
    private static DateTimeOffset SessionExpiry(HttpContext http, TimeProvider time, ConsoleSocketOptions options) =>
        long.TryParse(http.User.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : time.GetUtcNow() + options.DefaultSessionLifetime;
}

/// <summary>A console ticket: the WebSocket URL to open (single use) and when it expires.</summary>
public sealed record ConsoleTicketResponse(string Url, DateTimeOffset ExpiresAt);
