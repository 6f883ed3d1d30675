using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace ZlhGrind.Gateway.Hosting;

/// <summary>Serilog for the gateway: compact JSON in production, readable text in development.</summary>
internal static class LoggingExtensions
{
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSerilog((services, logger) =>
        {
            logger
                .MinimumLevel.Information()

                // These log full request URLs at Information, and an IDE bootstrap URL carries its token in the
                // query string: keep them at Warning. Request lines come from UseSerilogRequestLogging (path only).
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Yarp", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
                .MinimumLevel.Override("Orleans", LogEventLevel.Warning)

                // While the cluster is out of reach these warn once per grain call (a dead gateway per message, a
                // broken promise per timeout, a failed connect per attempt): ClusterOutageMonitor reports the outage
                // once per state change and counts the calls instead.
                .MinimumLevel.Override("Orleans.Messaging.GatewayManager", LogEventLevel.Error)
                .MinimumLevel.Override("Orleans.Runtime.CallbackData", LogEventLevel.Error)
                .MinimumLevel.Override("Orleans.Runtime.Messaging.ConnectionManager", LogEventLevel.Error)
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext();
            if (development)
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
            else
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
        },
        preserveStaticLogger: true);
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
