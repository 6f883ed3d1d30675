using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Hosting;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Agent.Workloads;

namespace ZlhGrind.Agent.GameServer;

/// <summary>Registers the game workload: supervision options, the supervisor and the workload.</summary>
internal static class GameWorkloadExtensions
{
    public static IServiceCollection AddGameWorkload(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SupervisionOptions>().BindConfiguration(SupervisionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SupervisionOptions>, SupervisionOptionsValidator>();
        services.AddOptions<GameServerOptions>().BindConfiguration(GameServerOptions.Section)
            .Validate(o => o.ExitPollInterval > TimeSpan.Zero, "Agent:Game:ExitPollInterval must be positive.")
            .Validate(o => o.LaunchTimeout > TimeSpan.Zero, "Agent:Game:LaunchTimeout must be positive.")
            .Validate(o => o.MaxConsoleLogBytes >= 64 * 1024, "Agent:Game:MaxConsoleLogBytes must be at least 65536.")
            .Validate(o => o.ConsoleLogCheckInterval > TimeSpan.Zero, "Agent:Game:ConsoleLogCheckInterval must be positive.")
            .Validate(o => o.ServerDirectory is null || Path.IsPathFullyQualified(o.ServerDirectory), "Agent:Game:ServerDirectory must be an absolute path.")
            .Validate(o => o.RunDirectory is null || Path.IsPathFullyQualified(o.RunDirectory), "Agent:Game:RunDirectory must be an absolute path.")
            .ValidateOnStart();

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
                sp.GetRequiredService<ILogger<GameSupervisor>>());
        });
        services.AddSingleton(sp => new GameWorkload(
            sp.GetRequiredService<GameSupervisor>(),
            Path.Combine(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataRoot, "game", "state", "applied.json"),
            sp.GetRequiredService<IOptions<GameServerOptions>>().Value.StopServerOnAgentStop,
            sp.GetRequiredService<ILogger<GameWorkload>>()));
        services.AddSingleton<IWorkload>(sp => sp.GetRequiredService<GameWorkload>());
        return services;
    }
}
