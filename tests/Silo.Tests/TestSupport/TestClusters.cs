using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using ZlhGrind.ClusterTls;
using ZlhGrind.Grains.Events;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Silo.Tests.TestSupport;

/// <summary>Builds in-process Orleans clusters hosting the real ZlhGrind grains.</summary>
internal static class TestClusters
{
    /// <summary>Configuration every test silo starts from; <paramref name="extra"/> overrides it.</summary>
    public static IConfiguration Configuration(IDictionary<string, string?>? extra = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = CallAs.ServiceKey,
            ["Storage:Provider"] = "Memory",
            ["Containers:HeartbeatInterval"] = "00:00:05",
            ["Containers:WatchSweepPeriod"] = "00:00:00.100",
        };
        TestTls.AddSiloSettings(values);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    public static async Task<InProcessTestCluster> StartAsync(
        IConfiguration configuration,
        short silos = 1,
        TimeProvider? time = null,
        Action<ISiloBuilder>? configureSilo = null,
        string? serviceId = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        if (serviceId is not null)
        {
            builder.Options.ServiceId = serviceId;
        }

        builder.ConfigureSilo((_, silo) =>
        {
            if (time is not null)
            {
                silo.UseGrainClock(time);
            }

            silo.AddZlhGrind(configuration);
            configureSilo?.Invoke(silo);
        });
        builder.ConfigureClient(client =>
        {
            client.AddMemoryStreams(ContainerEvents.StreamProvider).UseClusterTls(TestTls.Client());
            client.AddOutgoingGrainCallFilter(new TestHooksCallFilter());
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}

/// <summary>
/// The test harness asks every silo's test hooks (an Orleans system target) for its view of the cluster. Silos open
/// Orleans' own targets to gateways only, so the harness's calls, and only those, carry the service key.
/// </summary>
internal sealed class TestHooksCallFilter : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType?.Namespace == "Orleans.Runtime.TestHooks")
        {
            RequestContext.Set(ZlhGrind.Grains.Authorization.CallContextKeys.ServiceKey, CallAs.ServiceKey);
        }

        return context.Invoke();
    }
}

/// <summary>One shared single-silo cluster on memory storage whose grains read a fake clock.</summary>
public sealed class FakeClockClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync() => Cluster = await TestClusters.StartAsync(TestClusters.Configuration(), time: Time);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
