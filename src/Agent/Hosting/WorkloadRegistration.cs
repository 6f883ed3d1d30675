using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Agent.GameServer;
using ZlhGrind.Agent.Workloads;

namespace ZlhGrind.Agent.Hosting;

/// <summary>Registers the workload for <c>Agent:Kind</c>; an unknown kind is left to options validation to report.</summary>
internal static class WorkloadRegistration
{
    public const string DevUnavailable = "Agent:Kind 'dev' is not available in this build of the agent (the dev workload is not included).";

    public static IServiceCollection AddWorkload(this IServiceCollection services, IConfiguration configuration)
    {
        switch (configuration[$"{AgentOptions.Section}:Kind"])
        {
            case AgentOptions.GameKind:
                services.AddGameWorkload(configuration);
                break;
            case AgentOptions.DevKind:
                // The dev workload lives on its own branch; at merge these two lines become services.AddDevWorkload(configuration).
                services.AddOptions<AgentOptions>().Validate(_ => false, DevUnavailable);
                services.AddSingleton<IWorkload>(new UnavailableWorkload(DevUnavailable));
                break;
            default:
                // AgentOptionsValidator explains the bad kind; this only lets the host be built to say so.
                services.AddSingleton<IWorkload>(new UnavailableWorkload("Agent:Kind must be 'game' or 'dev'."));
                break;
        }

        services.AddHostedService<WorkloadHostedService>();
        return services;
    }
}
