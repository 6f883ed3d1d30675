using Serilog;
using Serilog.Events;

namespace ZlhGrind.Gateway.Hosting;

/// <summary>Serilog for the gateway (the shared set-up) and its request log.</summary>
internal static class LoggingExtensions
{
    private static readonly Dictionary<string, LogEventLevel> Levels = new()
    {
        // These log full request URLs at Information, and an IDE bootstrap URL carries its token in the query
        // string: keep them at Warning. Request lines come from UseSerilogRequestLogging (path only).
        ["Microsoft.AspNetCore"] = LogEventLevel.Warning,
        ["Yarp"] = LogEventLevel.Warning,
        ["System.Net.Http"] = LogEventLevel.Warning,
        ["Orleans"] = LogEventLevel.Warning,

        // While the cluster is out of reach these warn once per grain call (a dead gateway per message, a broken
        // promise per timeout, a failed connect per attempt): ClusterOutageMonitor reports the outage once per state
        // change and counts the calls instead.
        ["Orleans.Messaging.GatewayManager"] = LogEventLevel.Error,
        ["Orleans.Runtime.CallbackData"] = LogEventLevel.Error,
        ["Orleans.Runtime.Messaging.ConnectionManager"] = LogEventLevel.Error,
    };

    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        builder.AddZlhLogging("gateway", Levels, consoleLabel: "{SourceContext}");
        return builder;
    }

    public static WebApplication UseGatewayRequestLogging(this WebApplication app)
    {
        // This host's own logger, not the static Log.Logger, so several hosts in one process (tests) keep their sinks apart.
        var logger = app.Services.GetRequiredService<Serilog.ILogger>();
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = logger;
            // RequestPath is the path without the query string, so bootstrap tokens never reach the log.
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            options.GetLevel = static (http, _, exception) => LevelFor(http, exception);
        });
        return app;
    }

    private static LogEventLevel LevelFor(HttpContext http, Exception? exception)
    {
        // IDE tunnel requests never get here: the tunnel is a branch of its own that logs its own failures.
        if (exception is not null || (http.Response.StatusCode >= StatusCodes.Status500InternalServerError && http.Response.StatusCode != StatusCodes.Status503ServiceUnavailable))
        {
            return LogEventLevel.Error;
        }

        // A 503 is an outage being reported (cluster down): ClusterOutageMonitor warns once per outage, so the
        // request line stays an ordinary one instead of a warning per request.
        return http.Request.Path.StartsWithSegments("/healthz") || http.Request.Path.StartsWithSegments("/readyz")
            ? LogEventLevel.Debug
            : LogEventLevel.Information;
    }
}
