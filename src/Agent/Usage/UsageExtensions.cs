using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.ClusterLink;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Usage;

/// <summary>Registers usage sampling of the game server and its reporting to the grain.</summary>
internal static class UsageExtensions
{
    /// <summary>Samples the supervised server's process tree and <paramref name="serverDirectory"/>.</summary>
    public static IServiceCollection AddGameUsage(this IServiceCollection services, Func<IServiceProvider, string> serverDirectory)
    {
        services.AddOptions<UsageOptions>().BindConfiguration(UsageOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UsageOptions>, UsageOptionsValidator>();
        services.AddSingleton<UsageWatch>();
        services.AddSingleton(sp => new UsageSampler(sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(host => new UsageService(host, sp =>
        {
            var options = sp.GetRequiredService<IOptions<UsageOptions>>().Value;
            var supervisor = sp.GetRequiredService<GameSupervisor>();
            var sampler = sp.GetRequiredService<UsageSampler>();
            var directory = serverDirectory(sp);

            // Every tick samples once (the heartbeat reports that sample); a point that is due takes the same one.
            var collector = new UsageCollector(
                options,
                () => sampler.Latest is { } s ? (s.Pid, s.Cpu, s.RssBytes) : (null, TimeSpan.Zero, 0),
                () => DiskUsage.Measure(directory, options.MaxDiskEntries).Bytes);
            var containerId = sp.GetRequiredService<IOptions<AgentOptions>>().Value.ContainerId;
            var client = sp.GetRequiredService<IClusterClient>();
            return new UsageReporter(
                () => sampler.Take(supervisor.Observe().Pid),
                collector,
                sp.GetRequiredService<UsageWatch>(),
                options,
                () => client.GetGrain<IGameServerGrain>(containerId),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<UsageReporter>>());
        }));
        return services;
    }
}
