using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Agent.DevContainer;
using ZlhGrind.Agent.GameServer;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Agent.Workloads;

namespace ZlhGrind.Agent.Hosting;

/// <summary>Registers the workload for <c>Agent:Kind</c> (game or dev); an unknown kind is left to options validation to report.</summary>
internal static class WorkloadRegistration
{
    public static IServiceCollection AddWorkload(this IServiceCollection services, IConfiguration configuration)
    {
        switch (configuration[$"{AgentOptions.SectionName}:Kind"])
        {
            case AgentOptions.GameKind:
                services.AddGameWorkload(configuration);
                break;
            case AgentOptions.DevKind:
                services.AddDevWorkload(configuration);
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
