using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ZlhGrind.ClusterTls;
using ZlhGrind.Grains.Events;
using ZlhGrind.Silo.Authorization;
using ZlhGrind.Silo.Grains;
using ZlhGrind.Silo.Grains.Consoles;
using ZlhGrind.Silo.Grains.Containers;
using ZlhGrind.Silo.Grains.DevContainers;
using ZlhGrind.Silo.Grains.GameServers;
using ZlhGrind.Silo.Grains.Templates;
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

        // Bound from the configuration given, not the host's: a test process hosts several silos, and a gateway's
        // in-process test cluster, each with its own settings.
        services.AddOptions<ContainerOptions>().Bind(configuration.GetSection(ContainerOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ContainerOptions>, ContainerOptionsValidator>();
        services.AddOptions<IdeOptions>().Bind(configuration.GetSection(IdeOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdeOptions>, IdeOptionsValidator>();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddOptions<IdleOptions>().Bind(configuration.GetSection(IdleOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdleOptions>, IdleOptionsValidator>();
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddOptions<UsageOptions>().Bind(configuration.GetSection(UsageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UsageOptions>, UsageOptionsValidator>();

        builder.UseClusterTls(configuration);
        services.AddSingleton<ConnectivitySweeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(static sp => sp.GetRequiredService<ConnectivitySweeper>());
        builder.AddCallAuthorization(configuration);
        builder.AddIncomingGrainCallFilter<StorageOutageCallFilter>();
        builder.AddMemoryStreams(ContainerEvents.StreamProvider);

        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaPreparer>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, TemplateSeeder>();
        return builder.AddZlhStorage(StorageOptions.Bind(configuration));
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
