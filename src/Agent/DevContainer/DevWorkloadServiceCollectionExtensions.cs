using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.CodeServer;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Terminal;
using ZlhGrind.Agent.Workloads;

namespace ZlhGrind.Agent.DevContainer;

/// <summary>Registers the dev workload: runtime installs, the dev environment and the code-server addon.</summary>
public static class DevWorkloadServiceCollectionExtensions
{
    /// <summary>
    /// Adds the dev workload as <c>IWorkload</c> (call it for dev containers only) with its options bound from
    /// <c>Agent:Dev</c>, <c>Agent:Runtimes</c>, <c>Agent:CodeServer</c>, <c>Agent:CodeServer:Restart</c>, <c>Agent:Terminal</c> and <c>Agent:Console</c>, validated at start.
    /// The host must register <c>IAgentEvents</c>.
    /// </summary>
    public static IServiceCollection AddDevWorkload(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Bound from the host's IConfiguration; one registered already (as a host does) is kept.
        services.TryAddSingleton(configuration);
        services.AddOptions<DevEnvironmentOptions>().BindConfiguration(DevEnvironmentOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DevEnvironmentOptions>, DevEnvironmentOptionsValidator>();
        services.AddOptions<RuntimeInstallOptions>().BindConfiguration(RuntimeInstallOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RuntimeInstallOptions>, RuntimeInstallOptionsValidator>();
        services.AddOptions<CodeServerOptions>().BindConfiguration(CodeServerOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CodeServerOptions>, CodeServerOptionsValidator>();
        services.AddOptions<CodeServerRestartOptions>().BindConfiguration(CodeServerRestartOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CodeServerRestartOptions>, CodeServerRestartOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(ArtifactDownloader.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient(CodeServerSupervisor.ProbeClientName)
            .ConfigureHttpClient((provider, client) => client.Timeout = provider.GetRequiredService<IOptions<CodeServerOptions>>().Value.ReadyProbeTimeout);

        services.AddSingleton(provider => new DevPaths(provider.GetRequiredService<IOptions<DevEnvironmentOptions>>().Value, CurrentUser.IsRoot));
        services.AddSingleton(provider => new RuntimeLayout(provider.GetRequiredService<DevPaths>().DataRoot));
        services.AddSingleton(new ProcFs());

        services.AddSingleton<RuntimeEntryValidator>();
        services.AddSingleton<ArtifactDownloader>();
        services.AddSingleton<SafeTarExtractor>();
        services.AddSingleton<RuntimeVerifier>();
        services.AddSingleton<RuntimeStore>();
        services.AddSingleton<RuntimeInstaller>();

        services.AddSingleton<DevUserProvisioner>();
        services.AddSingleton<DevUserEnvironment>();
        services.AddDevTerminal();

        // The terminal reaches browsers through the cluster, as the game console does (README: "Console").
        services.AddOptions<ConsoleRelayOptions>().BindConfiguration(ConsoleRelayOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleRelayOptions>, ConsoleRelayOptionsValidator>();
        services.AddHostedService<TerminalHostService>();

        services.AddSingleton<CodeServerInstaller>();
        services.AddSingleton<CodeServerProcessScanner>();
        services.AddSingleton<CodeServerSupervisor>();

        services.AddSingleton<DevWorkload>();
        // The prepared dev user's workspace, the folder code-server opens and shells start in (an existing account's
        // home may be anywhere); none until that user is prepared.
        services.AddFilesRelay(sp =>
        {
            var environment = sp.GetRequiredService<DevUserEnvironment>();
            return () => environment.PreparedUser?.Workspace;
        });
        services.AddSingleton<IWorkload>(provider => provider.GetRequiredService<DevWorkload>());
        return services;
    }
}
