using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serilog.Events;
using ZlhGrind.Agent.ClusterLink;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Identity;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Hosting;

/// <summary>The agent host: logging, options, the workload of <c>Agent:Kind</c> and the cluster link.</summary>
internal static class AgentHostExtensions
{
    public static IHostApplicationBuilder AddZlhAgent(this IHostApplicationBuilder builder)
    {
        builder.AddAgentLogging();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        builder.Services.AddAgentFiles();

        // Order matters: the workload's hosted service starts before the cluster client, which may wait to connect.
        builder.Services.AddWorkload(builder.Configuration);
        builder.AddClusterLink();
        return builder;
    }

    /// <summary>Readable console in Development, compact JSON (one event per line, Loki-ready) otherwise; every event carries ContainerId.</summary>
    public static IHostApplicationBuilder AddAgentLogging(this IHostApplicationBuilder builder)
    {
        // Read from raw configuration: the options are validated later, at start, with clear messages.
        var rawId = builder.Configuration[$"{AgentOptions.SectionName}:ContainerId"];
        object containerId = long.TryParse(rawId, out var id) ? id : rawId ?? "";
        builder.AddZlhLogging(
            "agent",
            new Dictionary<string, LogEventLevel>
            {
                ["Microsoft"] = LogEventLevel.Warning,
                ["Orleans"] = LogEventLevel.Error,
            },
            consoleLabel: "agent {ContainerId}",
            enrich: logger => logger.Enrich.WithProperty("ContainerId", containerId));
        return builder;
    }

    /// <summary>Runs the agent; a bad configuration ends it with exit code 2 and one line per problem.</summary>
    public static async Task<int> RunAgentAsync(this IHost host)
    {
        try
        {
            await host.RunAsync();
            return 0;
        }
        catch (OperationCanceledException)
        {
            // Asked to stop while still connecting for the first time: a normal end.
            return 0;
        }
        catch (Exception ex) when (ConfigurationFailures(ex) is { Count: > 0 } failures)
        {
            await Console.Error.WriteLineAsync("zlh-agent: the configuration is invalid:");
            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync("  - " + failure);
            }

            return 2;
        }
        finally
        {
            host.Dispose();
        }
    }

    private static List<string> ConfigurationFailures(Exception ex) => ex switch
    {
        OptionsValidationException options => [.. options.Failures],
        AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(ConfigurationFailures)],
        _ => [],
    };
}
