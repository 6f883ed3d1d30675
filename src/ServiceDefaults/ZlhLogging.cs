using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace ZlhGrind.ServiceDefaults;

/// <summary>
/// The one Serilog set-up of the silo, the gateway and the agent: a readable console line in Development, one
/// rendered compact JSON event per line otherwise (Loki-ready: the message is readable as is and <c>@i</c> still
/// groups events by template). Every event carries <c>Service</c>.
/// </summary>
public static class ZlhLogging
{
    /// <summary>
    /// Adds Serilog to <paramref name="builder"/> for the host named <paramref name="service"/>. Order: Information,
    /// then <paramref name="levels"/> (the host's own category levels), then the <c>Serilog</c> configuration section
    /// (so an operator can still lower or raise any category), then sinks registered in the host's services (tests).
    /// </summary>
    /// <param name="builder">The host.</param>
    /// <param name="service">The value of the <c>Service</c> property: <c>silo</c>, <c>gateway</c> or <c>agent</c>.</param>
    /// <param name="levels">Minimum levels per source category.</param>
    /// <param name="consoleLabel">What the Development console line shows before the message (a template fragment).</param>
    /// <param name="enrich">Host-specific properties (the agent's <c>ContainerId</c>).</param>
    public static IHostApplicationBuilder AddZlhLogging(
        this IHostApplicationBuilder builder,
        string service,
        IReadOnlyDictionary<string, LogEventLevel> levels,
        string consoleLabel = "{Service}",
        Action<LoggerConfiguration>? enrich = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(levels);
        var development = builder.Environment.IsDevelopment();
        var configuration = builder.Configuration;
        builder.Services.AddSerilog(
            (services, logger) =>
            {
                logger.MinimumLevel.Information();
                foreach (var (source, level) in levels)
                {
                    logger.MinimumLevel.Override(source, level);
                }

                logger.ReadFrom.Configuration(configuration)
                    .ReadFrom.Services(services)
                    .Enrich.FromLogContext()
                    .Enrich.WithProperty("Service", service);
                enrich?.Invoke(logger);
                if (development)
                {
                    logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] " + consoleLabel + ": {Message:lj}{NewLine}{Exception}");
                }
                else
                {
                    logger.WriteTo.Console(new RenderedCompactJsonFormatter());
                }
            },

            // Each host keeps its own logger instead of replacing the static Log.Logger, so several hosts in one
            // process (tests) keep their sinks apart.
            preserveStaticLogger: true);
        return builder;
    }
}
