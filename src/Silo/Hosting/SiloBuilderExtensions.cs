using Microsoft.Extensions.DependencyInjection.Extensions;
using ZlhGrind.ClusterTls;
using ZlhGrind.Grains.Events;
using ZlhGrind.Silo.Authorization;
using ZlhGrind.Silo.Grains.Containers;
using ZlhGrind.Silo.Grains.DevContainers;
using ZlhGrind.Silo.Grains.Watch;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Hosting;

/// <summary>Everything a silo needs to host ZlhGrind grains, apart from clustering and endpoints.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds call authorization, TLS on the cluster links (<c>Cluster:Tls</c>), options, the <c>container-events</c>
    /// stream provider, and storage chosen by <c>Storage:Provider</c> (Memory | Sqlite | Postgres) from <paramref name="configuration"/>.
    /// </summary>
    public static ISiloBuilder AddZlhGrind(this ISiloBuilder builder, IConfiguration configuration)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(GrainClock.Key, static (sp, _) => sp.GetRequiredService<TimeProvider>());

        services.AddOptions<ContainerOptions>()
            .Bind(configuration.GetSection(ContainerOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero, "Containers:HeartbeatInterval must be positive.")
            .Validate(o => o.WatchSweepPeriod > TimeSpan.Zero, "Containers:WatchSweepPeriod must be positive.")
            .Validate(o => o.ReportRefill > TimeSpan.Zero && o.HeartbeatRefill > TimeSpan.Zero, "Containers:ReportRefill and Containers:HeartbeatRefill must be positive.")
            .Validate(o => o.MaxAgentClockSkew >= TimeSpan.Zero && o.MaxAgentScheduleAhead >= TimeSpan.Zero, "Containers:MaxAgentClockSkew and Containers:MaxAgentScheduleAhead must not be negative.")
            .ValidateOnStart();
        services.AddOptions<IdeOptions>()
            .Bind(configuration.GetSection(IdeOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.TokenLifetime <= TimeSpan.FromMinutes(10), "Ide:TokenLifetime must be between 0 and 10 minutes.")
            .Validate(o => o.SessionLifetime > TimeSpan.Zero, "Ide:SessionLifetime must be positive.")
            .ValidateOnStart();
        services.AddIdleCulling(configuration);

        builder.UseClusterTls(configuration);
        services.AddSingleton<ConnectivitySweeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(static sp => sp.GetRequiredService<ConnectivitySweeper>());
        builder.AddCallAuthorization(configuration);
        builder.AddMemoryStreams(ContainerEvents.StreamProvider);

        var storage = StorageOptions.From(configuration);
        services.AddSingleton(storage);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaPreparer>();
        return builder.AddZlhStorage(storage);
    }

    /// <summary>
    /// Gives the grains their own clock (tests pass a fake one). Orleans' own timers and stream agents keep
    /// the real clock, so faking grain time never stalls the runtime; only the watch sweep's cadence is real.
    /// </summary>
    public static ISiloBuilder UseGrainClock(this ISiloBuilder builder, TimeProvider time)
    {
        builder.Services.AddKeyedSingleton(GrainClock.Key, time);
        return builder;
    }
}

/// <summary>The DI key of the clock grains read (lifecycle times, connectivity, token expiry).</summary>
public static class GrainClock
{
    public const string Key = "zlh.grain-clock";
}
