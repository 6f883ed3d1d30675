using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Agent.Limits;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Templates;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Agent.Usage;
using ZlhGrind.Agent.Workloads;

namespace ZlhGrind.Agent.GameServer;

/// <summary>Registers the game workload: supervision options, the supervisor and the workload.</summary>
internal static class GameWorkloadExtensions
{
    public static IServiceCollection AddGameWorkload(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SupervisionOptions>().BindConfiguration(SupervisionOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SupervisionOptions>, SupervisionOptionsValidator>();
        services.AddOptions<GameServerOptions>().BindConfiguration(GameServerOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GameServerOptions>, GameServerOptionsValidator>();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();
        services.AddSingleton(sp => LimitsDetector.Detect(
            sp.GetRequiredService<IOptions<LimitsOptions>>().Value,
            "game-" + sp.GetRequiredService<IOptions<AgentOptions>>().Value.ContainerId.ToString(CultureInfo.InvariantCulture),
            sp.GetRequiredService<ILogger<ServerLimits>>()));

        // A template's install artifact is fetched and unpacked by the runtime installer's rules (Agent:Runtimes limits).
        services.AddOptions<RuntimeInstallOptions>().BindConfiguration(RuntimeInstallOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RuntimeInstallOptions>, RuntimeInstallOptionsValidator>();
        services.AddHttpClient(ArtifactDownloader.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton<ArtifactDownloader>();
        services.TryAddSingleton<SafeTarExtractor>();

        services.AddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var game = sp.GetRequiredService<IOptions<GameServerOptions>>().Value;
            var run = new RunDirectory(game.RunDirectory ?? Path.Combine(agent.DataRoot, "game", "run"));
            var settings = new GameSupervisorSettings(
                game.ServerDirectory ?? Path.Combine(agent.DataRoot, "game", "server"),
                Path.Combine(agent.DataRoot, "game", "state", "supervision.json"),
                new Dictionary<string, string> { ["ZLH_CONTAINER_ID"] = agent.ContainerId.ToString(CultureInfo.InvariantCulture) });
            return new GameSupervisor(
                new ServerLauncher(run, game.ExitPollInterval, game.LaunchTimeout, new ConsoleLogLimit(game.MaxConsoleLogBytes, game.ConsoleLogCheckInterval)),
                settings,
                sp.GetRequiredService<IOptions<SupervisionOptions>>().Value,
                sp.GetRequiredService<IAgentEvents>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<GameSupervisor>>(),
                sp.GetRequiredService<ServerLimits>());
        });
        services.AddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var game = sp.GetRequiredService<IOptions<GameServerOptions>>().Value;

            // What a deletion removes: the server's files, the shim's run directory and the agent's own game state.
            string[] data =
            [
                game.ServerDirectory ?? Path.Combine(agent.DataRoot, "game", "server"),
                game.RunDirectory ?? Path.Combine(agent.DataRoot, "game", "run"),
                Path.Combine(agent.DataRoot, "game", "state"),
            ];
            var supervisor = sp.GetRequiredService<GameSupervisor>();
            supervisor.ModChanges = sp.GetRequiredService<FilesRelay>().Mods;
            var installer = new TemplateInstaller(
                sp.GetRequiredService<ArtifactDownloader>(),
                sp.GetRequiredService<SafeTarExtractor>(),
                sp.GetRequiredService<IOptions<FilesOptions>>().Value,
                data[0],
                data[2],
                sp.GetRequiredService<ILogger<TemplateInstaller>>());
            return new GameWorkload(
                supervisor,
                Path.Combine(agent.DataRoot, "game", "state", "applied.json"),
                game.StopServerOnAgentStop,
                sp.GetRequiredService<ILogger<GameWorkload>>(),
                data,
                sp.GetRequiredService<FileRootSource>(),
                installer);
        });
        services.AddSingleton<IWorkload>(sp => sp.GetRequiredService<GameWorkload>());

        // The console reads the same run directory the launcher writes (RunDirectory only names the files).
        services.AddOptions<ConsoleRelayOptions>().BindConfiguration(ConsoleRelayOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleRelayOptions>, ConsoleRelayOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var game = sp.GetRequiredService<IOptions<GameServerOptions>>().Value;
            var supervisor = sp.GetRequiredService<GameSupervisor>();
            return new GameConsole(
                new RunDirectory(game.RunDirectory ?? Path.Combine(agent.DataRoot, "game", "run")),
                () => supervisor.State,
                sp.GetRequiredService<IOptions<ConsoleRelayOptions>>().Value.TailPollInterval,
                sp.GetRequiredService<ILogger<GameConsole>>());
        });
        services.AddHostedService<GameConsoleService>();
        services.AddGameUsage(sp => sp.GetRequiredService<IOptions<GameServerOptions>>().Value.ServerDirectory
            ?? Path.Combine(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataRoot, "game", "server"));
        services.AddFilesRelay(
            sp =>
            {
                var directory = sp.GetRequiredService<IOptions<GameServerOptions>>().Value.ServerDirectory
                    ?? Path.Combine(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataRoot, "game", "server");
                return () => directory;
            },
            sp => Path.Combine(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataRoot, "game", "state"));
        return services;
    }
}
